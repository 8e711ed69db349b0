// POST /v1/responses on the native lane (a provider with `responses: true`): requests/s at
// concurrency 64 (with the arm's CPU per request) and latency at concurrency 1, against the same
// fake as every other arm, so the gateway's ratio to the bare undici proxy is the door's cost.
// And the translated lane (Responses in, served by the Anthropic provider on the fake's Messages
// API) on the gateway alone, whose CPU per request is what the two translations cost.
import { defaultKnobs } from "../fake-upstream.ts";
import { isGateway } from "../harness/arms.ts";
import { headers, RESPONSES_PATH, responsesBody, TRANSLATED_RESPONSES_MODEL } from "../harness/requests.ts";
import { runLoad, type LoadResult } from "../load/autocannon-run.ts";
import { processTicks } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

async function load(ctx: ScenarioContext, body: string, connections: number, durationSec: number): Promise<LoadResult> {
  await ctx.fakes.main.setKnobs(defaultKnobs);
  const result = await runLoad({ url: ctx.arm.origin + RESPONSES_PATH, body, headers, connections, durationSec });
  if (result.non2xx > 0 || result.errors > 0) ctx.log(`${ctx.arm.spec.name}: responses ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

async function measure(ctx: ScenarioContext, body: string): Promise<Metrics> {
  const pid = ctx.arm.proc?.pid;
  const before = pid !== undefined ? processTicks(pid) : Number.NaN;
  const busy = await load(ctx, body, 64, ctx.profile.throughputSec);
  const cpuUs = pid !== undefined ? ((processTicks(pid) - before) * 10_000) / Math.max(1, busy.ok) : Number.NaN;
  const single = await load(ctx, body, 1, ctx.profile.latencySec);
  return { rps: busy.rps, cpuUsPerRequest: cpuUs, p50: single.p50, p99: single.p99, errors: busy.errors + busy.non2xx + single.errors + single.non2xx };
}

export const responses: Scenario = {
  name: "responses",
  about: "POST /v1/responses, native lane (JSON): requests/s at concurrency 64, p50/p99 at concurrency 1",
  appliesTo: () => true,
  run: (ctx) => measure(ctx, responsesBody()),
};

export const responsesTranslated: Scenario = {
  name: "responses-tr",
  about: "POST /v1/responses translated to an Anthropic Messages upstream and back (gateway only): requests/s, CPU per request, p50/p99",
  appliesTo: isGateway,
  run: (ctx) => measure(ctx, responsesBody({ model: TRANSLATED_RESPONSES_MODEL })),
};
