// The response cache: a hit's requests/s against the bare undici proxy forwarding to a 0 ms
// fake (the same body to every arm; for the gateway it names a cache-enabled model, so every
// request after the first is a hit), and what a miss costs: the gateway's CPU per request on
// the cache-enabled model with `Cache-Control: no-cache` (key, fold, store on every request)
// against the same request to the same targets with the cache off.
import { defaultKnobs } from "../fake-upstream.ts";
import { CACHED_MODEL, chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { processTicks } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

/** Requests/s and CPU µs per answered request at concurrency 64. */
async function measure(ctx: ScenarioContext, body: string, extraHeaders: Record<string, string> = {}): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const pid = ctx.arm.proc?.pid;
  const before = pid !== undefined ? processTicks(pid) : Number.NaN;
  const r = await runLoad({ url: ctx.arm.origin + CHAT_PATH, body, headers: { ...headers, ...extraHeaders }, connections: 64, durationSec: ctx.profile.throughputSec });
  const cpuUs = pid !== undefined ? ((processTicks(pid) - before) * 10_000) / Math.max(1, r.ok) : Number.NaN;
  if (r.non2xx > 0 || r.errors > 0) ctx.log(`${ctx.arm.spec.name}: cache ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.rps, cpuUs, errors: r.errors + r.non2xx };
}

export const cache: Scenario = {
  name: "cache",
  about: "response cache: hit requests/s vs the undici proxy at concurrency 64; gateway CPU per request of a miss vs the cache off",
  appliesTo: () => true,
  async run(ctx): Promise<Metrics> {
    await ctx.fakes.main.setKnobs(defaultKnobs);
    const cachedBody = chatBody({ model: CACHED_MODEL });
    if (ctx.arm.spec.name !== "gateway") {
      // Other arms forward whatever they get: the same bytes, answered by the fake.
      const forwarded = await measure(ctx, cachedBody);
      return { hitRps: forwarded.rps, hitCpuUs: forwarded.cpuUs, errors: forwarded.errors };
    }
    const hits = await measure(ctx, cachedBody);
    const misses = await measure(ctx, cachedBody, { "cache-control": "no-cache" });
    const off = await measure(ctx, chatBody());
    return {
      hitRps: hits.rps,
      hitCpuUs: hits.cpuUs,
      missCpuUs: misses.cpuUs,
      offCpuUs: off.cpuUs,
      missCpuRatio: misses.cpuUs / off.cpuUs,
      errors: hits.errors + misses.errors + off.errors,
    };
  },
};
