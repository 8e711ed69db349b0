// --soak only: steady mixed load (fixed-rate requests plus a rolling set of streams) for
// `soakSec`, sampling the arm's RSS; growth is the least-squares slope after the first fifth.
import { defaultKnobs, expectedFrames } from "../fake-upstream.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { slope } from "../load/stats.ts";
import { runStreams } from "../load/stream-client.ts";
import { rssMiB } from "../process/rss.ts";
import type { Metrics, Scenario } from "./types.ts";

const SOAK_RATE = 300;
const STREAM_WAVE = { count: 20, rampMs: 1_000, chunks: 20, intervalMs: 50 };

export const soak: Scenario = {
  name: "soak",
  about: "RSS growth (MiB/min) under steady mixed load (only with --soak)",
  appliesTo: (arm) => arm !== "direct",
  async run(ctx): Promise<Metrics> {
    const pid = ctx.arm.proc?.pid;
    if (pid === undefined) return {};
    const knobs = await ctx.fakes.main.setKnobs({ ...defaultKnobs, chunks: STREAM_WAVE.chunks, intervalMs: STREAM_WAVE.intervalMs });
    const started = performance.now();
    const minutes: number[] = [];
    const rss: number[] = [];
    const sampler = setInterval(() => {
      minutes.push((performance.now() - started) / 60_000);
      rss.push(rssMiB(pid));
    }, 5_000);
    let running = true;
    let streamErrors = 0;
    const waves = (async () => {
      while (running) {
        const r = await runStreams({
          target: { url: ctx.arm.origin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: ctx.agent },
          count: STREAM_WAVE.count,
          rampMs: STREAM_WAVE.rampMs,
          expectedFrames: expectedFrames(knobs, true),
          intervalMs: STREAM_WAVE.intervalMs,
          timedGaps: STREAM_WAVE.chunks,
        });
        streamErrors += r.errors;
      }
    })();
    const load = await runLoad({ url: ctx.arm.origin + CHAT_PATH, body: chatBody(), headers, connections: 16, durationSec: ctx.profile.soakSec, overallRate: SOAK_RATE });
    running = false;
    await waves;
    clearInterval(sampler);
    const skip = Math.floor(minutes.length / 5);
    return {
      mibPerMin: slope(minutes.slice(skip), rss.slice(skip)),
      rssStart: rss[skip] ?? Number.NaN,
      rssEnd: rss.at(-1) ?? Number.NaN,
      errors: load.errors + load.non2xx + streamErrors,
    };
  },
};
