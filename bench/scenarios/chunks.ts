// CPU per upstream stream chunk, by lane: the same number of streams is run twice against the
// fake, once with few content chunks and once with many, and the arm's extra CPU time is divided
// by the extra chunks. What every stream costs once (request, routing, limits, log line) cancels
// out, leaving what one more upstream chunk costs to read, translate or relay and write.
// Translated lanes (Messages in → chat upstream, Responses in → Messages upstream) run on the
// gateway alone; the native Messages stream runs on the bare undici proxy too, for its ratio.
import type { Dispatcher } from "undici";
import { defaultKnobs } from "../fake-upstream.ts";
import { isGateway } from "../harness/arms.ts";
import { laneNamed, type Lane } from "../harness/lanes.ts";
import { processTicks } from "../process/machine-load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";
import { request } from "undici";

const FEW = 4;
const MANY = 84;
const CONNECTIONS = 32;

/** The lanes measured, and the metric each reports. */
const MEASURED: readonly { lane: string; metric: string }[] = [
  { lane: "messages", metric: "messagesUsPerChunk" },
  { lane: "messages-tr", metric: "messagesTrUsPerChunk" },
  { lane: "responses-tr", metric: "responsesTrUsPerChunk" },
];

async function runStreams(ctx: ScenarioContext, lane: Lane, count: number, dispatcher: Dispatcher): Promise<number> {
  const body = lane.body(true);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        const res = await request(ctx.arm.origin + lane.path, { method: "POST", headers: lane.headers, body, dispatcher });
        await res.body.dump({ limit: Number.POSITIVE_INFINITY });
        if (res.statusCode !== 200) failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return failed;
}

/** Arm CPU (µs) for `count` streams of `chunks` content chunks each. */
async function cpuFor(ctx: ScenarioContext, lane: Lane, chunks: number, count: number): Promise<{ us: number; failed: number }> {
  await ctx.fakes.main.setKnobs({ ...defaultKnobs, chunks, intervalMs: 0, ttfbMs: 0 });
  const pid = ctx.arm.proc?.pid;
  const before = pid !== undefined ? processTicks(pid) : Number.NaN;
  const failed = await runStreams(ctx, lane, count, ctx.agent);
  const us = pid !== undefined ? (processTicks(pid) - before) * 10_000 : Number.NaN;
  return { us, failed };
}

export const chunks: Scenario = {
  name: "chunks",
  about: `CPU per upstream stream chunk (µs): ${MEASURED.map((m) => m.lane).join(", ")}; streams of ${FEW} vs ${MANY} content chunks, the difference per chunk`,
  appliesTo: (arm) => isGateway(arm) || arm === "undici",
  async run(ctx): Promise<Metrics> {
    const metrics: Metrics = {};
    let errors = 0;
    const count = Math.max(100, Math.round(ctx.profile.throughputSec * 150));
    for (const { lane: name, metric } of MEASURED) {
      const lane = laneNamed(name);
      if (lane.translated && !isGateway(ctx.arm.spec.name)) continue;
      // a first pass unmeasured: the lane's code is compiled and its pools filled before either count
      await cpuFor(ctx, lane, FEW, Math.round(count / 2));
      const few = await cpuFor(ctx, lane, FEW, count);
      const many = await cpuFor(ctx, lane, MANY, count);
      errors += few.failed + many.failed;
      metrics[metric] = (many.us - few.us) / (count * (MANY - FEW));
    }
    await ctx.fakes.main.setKnobs(defaultKnobs);
    return { ...metrics, errors };
  },
};
