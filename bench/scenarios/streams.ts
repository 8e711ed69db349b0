// Concurrent SSE streams arriving over a ramp: added time to first frame, gaps between frames
// compared with the fake's interval (bunched frames mean something buffered), and RSS.
import { defaultKnobs, expectedFrames } from "../fake-upstream.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { percentile } from "../load/stats.ts";
import { runStreams } from "../load/stream-client.ts";
import { rssMiB, watchPeakRss } from "../process/rss.ts";
import type { StreamShape } from "./profile.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function streams(ctx: ScenarioContext, shape: StreamShape, withRss: boolean): Promise<Metrics> {
  const knobs = await ctx.fakes.main.setKnobs({ ...defaultKnobs, ttfbMs: shape.ttfbMs, chunks: shape.chunks, intervalMs: shape.intervalMs });
  const pid = ctx.arm.proc?.pid;
  const rssBefore = pid !== undefined ? rssMiB(pid) : Number.NaN;
  const peak = withRss && pid !== undefined ? watchPeakRss(pid) : undefined;
  const result = await runStreams({
    target: { url: ctx.arm.origin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: ctx.agent },
    count: shape.count,
    rampMs: shape.rampMs,
    expectedFrames: expectedFrames(knobs, true),
    intervalMs: shape.intervalMs,
    timedGaps: shape.chunks,
  });
  const rssPeak = peak ? peak.stop() : Number.NaN;
  if (result.errors > 0 || result.incomplete > 0) {
    ctx.log(`${ctx.arm.spec.name}: ${result.errors} stream errors (${result.firstError ?? ""}), ${result.incomplete} incomplete`);
  }
  let rssAfter = Number.NaN;
  if (withRss && pid !== undefined) {
    await sleep(ctx.profile.settleMs);
    rssAfter = rssMiB(pid);
  }
  return {
    ttfbP50: percentile(result.ttfb, 50) - shape.ttfbMs,
    ttfbP99: percentile(result.ttfb, 99) - shape.ttfbMs,
    gapP50: percentile(result.gaps, 50),
    gapP99: percentile(result.gaps, 99),
    bunchedPct: result.bunched * 100,
    errors: result.errors,
    incomplete: result.incomplete,
    failures: result.errors + result.incomplete,
    rssBefore,
    rssPeak,
    rssAfter,
  };
}

const all = () => true;

export const streams100: Scenario = {
  name: "streams100",
  about: "100 concurrent streams over a ramp: added TTFB, chunk gaps vs the fake's interval",
  appliesTo: all,
  run: (ctx) => streams(ctx, ctx.profile.streams100, false),
};

export const streams1000: Scenario = {
  name: "streams1000",
  about: "1,000 concurrent streams over a ramp: the same, plus the arm's RSS before, at peak and after",
  appliesTo: all,
  run: (ctx) => streams(ctx, ctx.profile.streams1000, true),
};
