// The response cache: a hit's requests/s against the bare undici proxy forwarding to a 0 ms
// fake (the same body to every arm; for the gateway it names a cache-enabled model, so every
// request after the first is a hit), and what a miss costs in the gateway's CPU per request
// against the same request with the cache off.
//
// A miss is a prompt the cache has not seen: every request is numbered, so each one is looked
// up, fetched, and stored as a new entry (evicting old ones once the memory bound is reached),
// against the same numbered prompts to the same targets on a model without the cache. A
// refresh (`Cache-Control: no-cache` on one repeated prompt: keyed, fetched, stored over the
// same entry) is measured the same way, for comparison; it keeps no more entries than one.
//
// Two twin processes of the arm's build (kept for the run) share the arm core and are loaded at
// the same time, one with the cached requests and one with the uncached, then the other way
// round, with the same number of requests each: both see the same machine at every instant, and
// the two ways together cancel what differs between the processes. The arm itself serves only
// the hits, so the entries the misses store (up to the memory bound) never weigh on the
// scenarios measured after this one. Measured in
// one process as alternating one-second slices, the ratio moved between 0.51 and 1.87 from
// pair to pair on a machine whose speed changed by half within seconds (bench/FINDINGS.md §16).
import { defaultKnobs } from "../fake-upstream.ts";
import type { RunningArm } from "../harness/arms.ts";
import { CACHED_MODEL, chatBody, CHAT_PATH, headers, MODEL, numberedChatBodies } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { median } from "../load/stats.ts";
import { cpuPerAnswer } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

/** Requests/s and CPU µs per answered request at concurrency 64. */
async function measure(ctx: ScenarioContext, body: string): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const { result: r, cpuUs } = await cpuPerAnswer(ctx.arm.proc?.pid, () => runLoad({ url: ctx.arm.origin + CHAT_PATH, body, headers, connections: 64, durationSec: ctx.profile.throughputSec }));
  if (r.non2xx > 0 || r.errors > 0) ctx.log(`${ctx.arm.spec.name}: cache ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.rps, cpuUs, errors: r.errors + r.non2xx };
}

/** One kind of request: a fixed body, or a new one each time. */
interface Requests {
  readonly body: () => string;
  readonly headers: Record<string, string>;
}

/** Per load, for each process (CPU is read in ticks of 10 ms). */
const REQUESTS_PER_LOAD = 3_000;
const CONNECTIONS = 16;

/** CPU µs per request of `served` while it serves `amount` of `requests`; NaN when any failed. */
async function cpuPerRequest(ctx: ScenarioContext, served: RunningArm, requests: Requests, amount: number): Promise<number> {
  const { result: r, cpuUs } = await cpuPerAnswer(served.proc?.pid, () =>
    runLoad({ url: served.origin + CHAT_PATH, body: requests.body(), nextBody: requests.body, headers: requests.headers, connections: CONNECTIONS, durationSec: 600, amount }),
  );
  if (r.non2xx > 0 || r.errors > 0) {
    ctx.log(`${ctx.arm.spec.name}: cache ${r.non2xx} non-2xx, ${r.errors} errors`);
    return Number.NaN;
  }
  return cpuUs;
}

/**
 * CPU per request of `cached` against `uncached`, the two twins loaded at the same time, once
 * each way round. The geometric mean of the two ways' ratios cancels what differs between
 * the two processes (heap, how warm each one's code is); the answer is the median over `pairs`
 * such couples, with the median µs of each kind.
 */
async function paired(ctx: ScenarioContext, [one, two]: readonly [RunningArm, RunningArm], what: string, cached: Requests, uncached: Requests, pairs: number): Promise<{ ratio: number; cachedUs: number; uncachedUs: number }> {
  const ratios: number[] = [];
  const cachedUs: number[] = [];
  const uncachedUs: number[] = [];
  const ways: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const way = async (cachedOn: RunningArm, uncachedOn: RunningArm) => {
      const [c, u] = await Promise.all([cpuPerRequest(ctx, cachedOn, cached, REQUESTS_PER_LOAD), cpuPerRequest(ctx, uncachedOn, uncached, REQUESTS_PER_LOAD)]);
      cachedUs.push(c);
      uncachedUs.push(u);
      return c / u;
    };
    const first = await way(one, two);
    const second = await way(two, one);
    ways.push(`${first.toFixed(3)}/${second.toFixed(3)}`);
    ratios.push(Math.sqrt(first * second));
  }
  ctx.log(`${ctx.arm.spec.name}: ${what} / cache off, CPU per request, each couple (twin 0 cached / twin 1 cached): ${ways.join(" ")}`);
  return { ratio: median(ratios), cachedUs: median(cachedUs), uncachedUs: median(uncachedUs) };
}

/** Numbered prompts (bench/harness/requests.ts): every request one no process has seen. */
function numbered(model: string): Requests {
  return { body: numberedChatBodies({ model }), headers };
}

export const cache: Scenario = {
  name: "cache",
  about: "response cache: hit requests/s vs the undici proxy at concurrency 64; gateway CPU per request of a miss (and a refresh) vs the cache off",
  appliesTo: () => true,
  async run(ctx): Promise<Metrics> {
    await ctx.fakes.main.setKnobs(defaultKnobs);
    const cachedBody = chatBody({ model: CACHED_MODEL });
    const hits = await measure(ctx, cachedBody);
    if (ctx.arm.spec.name !== "gateway" && ctx.arm.spec.name !== "baseline") {
      // Other arms forward whatever they get: the same bytes, answered by the fake.
      return { hitRps: hits.rps, hitCpuUs: hits.cpuUs, errors: hits.errors };
    }
    const twins = [await ctx.twin(0), await ctx.twin(1)] as const;
    const miss = numbered(CACHED_MODEL);
    const off = numbered(MODEL);
    const refresh: Requests = { body: () => cachedBody, headers: { ...headers, "cache-control": "no-cache" } };
    const offSame: Requests = { body: () => chatBody({ model: MODEL }), headers };
    // Both processes warm on every kind (JIT, pools) before anything is counted.
    for (const served of twins) for (const kind of [miss, off, refresh, offSame]) await cpuPerRequest(ctx, served, kind, 1_000);
    const pairs = Math.max(1, Math.round(ctx.profile.throughputSec / 2));
    const missed = await paired(ctx, twins, "miss", miss, off, pairs);
    const refreshed = await paired(ctx, twins, "refresh", refresh, offSame, pairs);
    return {
      hitRps: hits.rps,
      hitCpuUs: hits.cpuUs,
      missCpuUs: missed.cachedUs,
      offCpuUs: missed.uncachedUs,
      missCpuRatio: missed.ratio,
      refreshCpuRatio: refreshed.ratio,
      // A load with errors reads as NaN, so the round's ratio says it too.
      errors: hits.errors + [missed, refreshed].filter((m) => Number.isNaN(m.ratio)).length,
    };
  },
};
