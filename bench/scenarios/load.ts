// Request/response load from autocannon: throughput at concurrency 64, latency at concurrency 1,
// and the tail at a fixed offered rate.
import { defaultKnobs } from "../fake-upstream.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runLoad, type LoadResult } from "../load/autocannon-run.ts";
import { runPaced } from "../load/paced.ts";
import { cpuPerAnswer } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

const all = () => true;

/** One kind of request to load an arm with; `label` names it in the log line about failures. */
export interface LoadRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
  label?: string;
}

const chat = (): LoadRequest => ({ path: CHAT_PATH, body: chatBody(), headers });

async function loadRequest(ctx: ScenarioContext, request: LoadRequest, connections: number, durationSec: number, overallRate?: number): Promise<LoadResult> {
  await ctx.fakes.main.setKnobs(defaultKnobs);
  const result = await runLoad({
    url: ctx.arm.origin + request.path,
    body: request.body,
    headers: request.headers,
    connections,
    durationSec,
    ...(overallRate !== undefined ? { overallRate } : {}),
  });
  const what = request.label !== undefined ? `${request.label} ` : "";
  if (result.non2xx > 0 || result.errors > 0) ctx.log(`${ctx.arm.spec.name}: ${what}${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

const load = (ctx: ScenarioContext, connections: number, durationSec: number, overallRate?: number): Promise<LoadResult> =>
  loadRequest(ctx, chat(), connections, durationSec, overallRate);

/**
 * How the per-door scenarios measure an arm: requests/s at concurrency 64 with the arm's CPU per
 * answered request (1 tick = 10 ms), then p50/p99 at concurrency 1.
 */
export async function measureRequests(ctx: ScenarioContext, request: LoadRequest): Promise<Metrics> {
  const { result: busy, cpuUs } = await cpuPerAnswer(ctx.arm.proc?.pid, () => loadRequest(ctx, request, 64, ctx.profile.throughputSec));
  const single = await loadRequest(ctx, request, 1, ctx.profile.latencySec);
  return { rps: busy.rps, cpuUsPerRequest: cpuUs, p50: single.p50, p99: single.p99, errors: busy.errors + busy.non2xx + single.errors + single.non2xx };
}

export const throughput: Scenario = {
  name: "throughput",
  about: "requests/s at concurrency 64 (non-streaming)",
  appliesTo: all,
  async run(ctx): Promise<Metrics> {
    // CPU time the arm spent per answered request: unlike req/s, it barely moves when other
    // processes compete for the cores
    const { result: r, cpuUs } = await cpuPerAnswer(ctx.arm.proc?.pid, () => load(ctx, 64, ctx.profile.throughputSec));
    return { rps: r.rps, cpuUsPerRequest: cpuUs, errors: r.errors + r.non2xx };
  },
};

export const latency: Scenario = {
  name: "latency",
  about: "p50/p99 latency at concurrency 1 (exact, from raw response times)",
  appliesTo: all,
  async run(ctx): Promise<Metrics> {
    const r = await load(ctx, 1, ctx.profile.latencySec);
    return { p50: r.p50, p99: r.p99, errors: r.errors + r.non2xx };
  },
};

export const fixedRate: Scenario = {
  name: "rate500",
  about: "p99 at a fixed offered rate: autocannon overallRate (64 connections), then an evenly paced open-loop client",
  appliesTo: all,
  async run(ctx): Promise<Metrics> {
    const r = await load(ctx, 64, ctx.profile.fixedRateSec, ctx.profile.fixedRate);
    // autocannon sends each connection's quota back to back at the start of every second; the
    // paced client spreads the same rate evenly (see bench/FINDINGS.md)
    const paced = await runPaced({ url: ctx.arm.origin + CHAT_PATH, body: chatBody(), headers, rate: ctx.profile.fixedRate, durationSec: ctx.profile.fixedRateSec });
    return {
      p50: r.p50,
      p99: r.p99,
      autocannonP99: r.autocannonP99,
      rps: r.rps,
      pacedP50: paced.p50,
      pacedP99: paced.p99,
      errors: r.errors + r.non2xx + paced.errors,
    };
  },
};
