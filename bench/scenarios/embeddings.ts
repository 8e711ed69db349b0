// POST /v1/embeddings: requests/s at concurrency 64 (with the arm's CPU per request) and latency
// at concurrency 1, 8 passages per call answered with 1536-wide base64 vectors, against the
// same fake as every other arm.
import { defaultKnobs } from "../fake-upstream.ts";
import { EMBED_PATH, embeddingsBody, headers } from "../harness/requests.ts";
import { runLoad, type LoadResult } from "../load/autocannon-run.ts";
import { processTicks } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

async function load(ctx: ScenarioContext, connections: number, durationSec: number): Promise<LoadResult> {
  await ctx.fakes.main.setKnobs(defaultKnobs);
  const result = await runLoad({ url: ctx.arm.origin + EMBED_PATH, body: embeddingsBody(), headers, connections, durationSec });
  if (result.non2xx > 0 || result.errors > 0) ctx.log(`${ctx.arm.spec.name}: embeddings ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

export const embeddings: Scenario = {
  name: "embeddings",
  about: "POST /v1/embeddings (8 inputs, base64): requests/s at concurrency 64, p50/p99 at concurrency 1",
  appliesTo: () => true,
  async run(ctx): Promise<Metrics> {
    const pid = ctx.arm.proc?.pid;
    const before = pid !== undefined ? processTicks(pid) : Number.NaN;
    const busy = await load(ctx, 64, ctx.profile.throughputSec);
    const cpuUs = pid !== undefined ? ((processTicks(pid) - before) * 10_000) / Math.max(1, busy.ok) : Number.NaN;
    const single = await load(ctx, 1, ctx.profile.latencySec);
    return { rps: busy.rps, cpuUsPerRequest: cpuUs, p50: single.p50, p99: single.p99, errors: busy.errors + busy.non2xx + single.errors + single.non2xx };
  },
};
