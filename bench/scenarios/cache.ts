// The response cache: a hit's requests/s against the bare undici proxy forwarding to a 0 ms
// fake (the same body to every arm; for the gateway it names a cache-enabled model, so every
// request after the first is a hit), and what a miss costs: the gateway's CPU per request on
// the cache-enabled model with `Cache-Control: no-cache` (key, fold, store on every request)
// against the same request to the same targets with the cache off. The two are measured in
// alternating one-second slices, the order swapped each pair, and the median of the pairs'
// ratios is reported: measured as two windows one after the other, the ratio moved between
// 0.99 and 1.47 from round to round with the machine's speed (bench/FINDINGS.md §13).
import { defaultKnobs } from "../fake-upstream.ts";
import { CACHED_MODEL, chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { median } from "../load/stats.ts";
import { processTicks } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

/** Requests/s and CPU µs per answered request at concurrency 64. */
async function measure(ctx: ScenarioContext, body: string, extraHeaders: Record<string, string> = {}, durationSec = ctx.profile.throughputSec): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const pid = ctx.arm.proc?.pid;
  const before = pid !== undefined ? processTicks(pid) : Number.NaN;
  const r = await runLoad({ url: ctx.arm.origin + CHAT_PATH, body, headers: { ...headers, ...extraHeaders }, connections: 64, durationSec });
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
    const miss = () => measure(ctx, cachedBody, { "cache-control": "no-cache" }, 1);
    const off = () => measure(ctx, chatBody(), {}, 1);
    const pairs: { miss: number; off: number }[] = [];
    let errors = hits.errors;
    for (let i = 0; i < Math.max(2, ctx.profile.throughputSec + 1); i++) {
      const first = i % 2 === 0 ? await miss() : await off();
      const second = i % 2 === 0 ? await off() : await miss();
      const [m, o] = i % 2 === 0 ? [first, second] : [second, first];
      pairs.push({ miss: m.cpuUs, off: o.cpuUs });
      errors += m.errors + o.errors;
    }
    return {
      hitRps: hits.rps,
      hitCpuUs: hits.cpuUs,
      missCpuUs: median(pairs.map((p) => p.miss)),
      offCpuUs: median(pairs.map((p) => p.off)),
      missCpuRatio: median(pairs.map((p) => p.miss / p.off)),
      errors,
    };
  },
};
