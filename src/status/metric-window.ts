// Keeps a few timed snapshots of the request metrics so the status page shows the last few
// minutes rather than totals since start. A snapshot is kept at most every `stepMs`; the
// baseline is the newest kept one at least `spanMs` old (the start, while the gateway is
// younger than that), so the window covers between `spanMs` and `spanMs + stepMs` and
// memory stays bounded however often the page is read.
import type { MetricsSnapshot } from "../telemetry/metrics.ts";

export interface TimedSnapshot {
  readonly at: number;
  /** Undefined for the start, when every counter was zero. */
  readonly snapshot: MetricsSnapshot | undefined;
}

export interface MetricWindow {
  /** Records `current` and returns the baseline to compare it with. */
  advance(current: TimedSnapshot): TimedSnapshot;
}

export function createMetricWindow(startedAt: number, spanMs = 5 * 60_000, stepMs = 15_000): MetricWindow {
  const kept: TimedSnapshot[] = [{ at: startedAt, snapshot: undefined }];
  return {
    advance(current) {
      while (kept.length > 1 && current.at - (kept[1]?.at ?? current.at) >= spanMs) kept.shift();
      const baseline = kept[0] ?? { at: startedAt, snapshot: undefined };
      if (current.at - (kept[kept.length - 1]?.at ?? 0) >= stepMs) kept.push(current);
      return baseline;
    },
  };
}
