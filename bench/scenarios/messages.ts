// POST /v1/messages: the Anthropic door's native lane against the bare undici proxy and the
// fake itself (requests/s at concurrency 64 with the arm's CPU per request, p50/p99 at
// concurrency 1, all on the same fake speaking Messages), and the translated lane (Messages in,
// chat to the OpenAI-protocol fake, Messages out) on the gateway alone, whose CPU per request
// is what translation costs.
import { defaultKnobs } from "../fake-upstream.ts";
import { isGateway, type ArmName } from "../harness/arms.ts";
import { MESSAGES_PATH, messagesBody, messagesHeaders, TRANSLATED_MESSAGES_MODEL } from "../harness/requests.ts";
import { runLoad, type LoadResult } from "../load/autocannon-run.ts";
import { processTicks } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

async function load(ctx: ScenarioContext, body: string, connections: number, durationSec: number): Promise<LoadResult> {
  await ctx.fakes.main.setKnobs(defaultKnobs);
  const result = await runLoad({ url: ctx.arm.origin + MESSAGES_PATH, body, headers: messagesHeaders, connections, durationSec });
  if (result.non2xx > 0 || result.errors > 0) ctx.log(`${ctx.arm.spec.name}: messages ${result.non2xx} non-2xx, ${result.errors} errors`);
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

const passThrough = (arm: ArmName): boolean => arm === "direct" || arm === "undici" || isGateway(arm);

export const messages: Scenario = {
  name: "messages",
  about: "POST /v1/messages, native lane to an Anthropic upstream: requests/s at concurrency 64 (CPU per request), p50/p99 at concurrency 1",
  appliesTo: passThrough,
  run: (ctx) => measure(ctx, messagesBody()),
};

export const messagesTranslated: Scenario = {
  name: "messages-tr",
  about: "POST /v1/messages translated to a chat upstream and back (gateway only): requests/s, CPU per request, p50/p99",
  appliesTo: isGateway,
  run: (ctx) => measure(ctx, messagesBody({ model: TRANSLATED_MESSAGES_MODEL })),
};
