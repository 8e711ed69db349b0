// A streaming client built on undici `request`: times the first SSE frame and every gap between
// frames, so buffering anywhere on the path shows up as bunched frames or a late first byte.
import { Agent, request } from "undici";
import { Samples } from "./stats.ts";

export interface StreamTarget {
  url: string;
  body: string;
  headers: Record<string, string>;
  dispatcher: Agent;
}

export interface StreamTiming {
  status: number;
  /** Request start → first complete SSE frame, ms. */
  ttfb: number;
  /** Arrival time (ms, performance.now) of each complete frame. */
  frameTimes: number[];
  error?: string;
}

export interface OpenStream {
  /** Resolves at the first complete frame (or when the stream fails first). */
  firstFrame: Promise<void>;
  done: Promise<StreamTiming>;
  abort(): void;
}

export const streamAgent = (): Agent => new Agent({ connections: null, keepAliveTimeout: 10_000 });

/** Starts one streaming request and records when each frame completes. */
export function openStream(target: StreamTarget): OpenStream {
  const controller = new AbortController();
  const started = performance.now();
  const timing: StreamTiming = { status: 0, ttfb: Number.NaN, frameTimes: [] };
  let markFirst: () => void = () => undefined;
  const firstFrame = new Promise<void>((resolve) => {
    markFirst = resolve;
  });
  const done = (async (): Promise<StreamTiming> => {
    try {
      const res = await request(target.url, {
        dispatcher: target.dispatcher,
        method: "POST",
        headers: target.headers,
        body: target.body,
        signal: controller.signal,
      });
      timing.status = res.statusCode;
      let lastWasNewline = false;
      for await (const chunk of res.body) {
        const now = performance.now();
        const bytes = chunk as Buffer;
        for (let i = 0; i < bytes.length; i++) {
          const isNewline = bytes[i] === 10;
          if (isNewline && lastWasNewline) {
            if (timing.frameTimes.length === 0) {
              timing.ttfb = now - started;
              markFirst();
            }
            timing.frameTimes.push(now);
            lastWasNewline = false;
          } else {
            lastWasNewline = isNewline;
          }
        }
      }
    } catch (err) {
      timing.error = controller.signal.aborted ? "aborted" : err instanceof Error ? err.message : String(err);
    }
    markFirst();
    return timing;
  })();
  return { firstFrame, done, abort: () => controller.abort() };
}

export interface StreamRunOptions {
  target: StreamTarget;
  count: number;
  /** Stream starts are spread evenly over this window. */
  rampMs: number;
  expectedFrames: number;
  /** The fake's gap between timed frames (the role frame and each content frame). */
  intervalMs: number;
  /** Timed gaps per stream (content frames); later frames come together and are not timed. */
  timedGaps: number;
}

export interface StreamRunResult {
  ok: number;
  errors: number;
  /** 200 responses whose frame count differed from what the fake sent. */
  incomplete: number;
  ttfb: Float64Array;
  gaps: Float64Array;
  /** Share of gaps under half the fake's interval: frames that arrived together (buffering). */
  bunched: number;
  firstError?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runStreams(options: StreamRunOptions): Promise<StreamRunResult> {
  const pending: Promise<StreamTiming>[] = [];
  const start = performance.now();
  for (let i = 0; i < options.count; i++) {
    const due = start + (i * options.rampMs) / options.count;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    pending.push(openStream(options.target).done);
  }
  const timings = await Promise.all(pending);
  const ttfb = new Samples();
  const gaps = new Samples();
  let ok = 0;
  let errors = 0;
  let incomplete = 0;
  let bunched = 0;
  let firstError: string | undefined;
  for (const t of timings) {
    if (t.error !== undefined || t.status !== 200) {
      errors++;
      firstError ??= t.error ?? `status ${t.status}`;
      continue;
    }
    if (t.frameTimes.length !== options.expectedFrames) incomplete++;
    ok++;
    ttfb.push(t.ttfb);
    const last = Math.min(options.timedGaps, t.frameTimes.length - 1);
    for (let i = 1; i <= last; i++) {
      const gap = (t.frameTimes[i] as number) - (t.frameTimes[i - 1] as number);
      gaps.push(gap);
      if (gap < options.intervalMs / 2) bunched++;
    }
  }
  const result: StreamRunResult = { ok, errors, incomplete, ttfb: ttfb.sorted(), gaps: gaps.sorted(), bunched: gaps.length > 0 ? bunched / gaps.length : 0 };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}
