// Recent traffic per public model and per front door, from two snapshots of the gateway's
// request and cache metrics: what happened between them. Pure arithmetic; the same reading of
// the counters the alert rules make (5xx and broken streams are failures, 4xx are the client's;
// the cache hit ratio is hits over hits plus misses, every tier and front door together).
import type { HistogramSnapshot } from "../telemetry/cell-histogram.ts";
import type { CounterValue, MetricsSnapshot } from "../telemetry/metrics.ts";
import type { CacheTraffic, ModelTraffic, TrafficStatus } from "./document.ts";

export function recentTraffic(current: MetricsSnapshot, baseline: MetricsSnapshot | undefined): Omit<TrafficStatus, "window_s"> {
  const requests = counterDelta(current.requests, baseline?.requests ?? []);
  const byModel = new Map<string, { requests: number; failed: number }>();
  const byApi = new Map<string, number>();
  for (const { labels, value } of requests) {
    const model = String(labels["model"] ?? "");
    const entry = byModel.get(model) ?? { requests: 0, failed: 0 };
    entry.requests += value;
    if (isFailure(labels)) entry.failed += value;
    byModel.set(model, entry);
    if (labels["api"] !== undefined) byApi.set(String(labels["api"]), (byApi.get(String(labels["api"])) ?? 0) + value);
  }
  const latency = successLatency(current.durations, baseline?.durations);
  const cache = cacheLookups(current, baseline);
  const models: ModelTraffic[] = [...byModel]
    .filter(([, e]) => e.requests > 0)
    .map(([model, e]) => {
      const counts = latency.get(model);
      const lookups = cache.get(model);
      return {
        model,
        requests: e.requests,
        error_rate: e.failed / e.requests,
        p50_ms: counts ? quantileMs(current.durations.bounds, counts, 0.5) : null,
        p99_ms: counts ? quantileMs(current.durations.bounds, counts, 0.99) : null,
        ...(lookups ? { cache: lookups } : {}),
      };
    })
    .sort((a, b) => a.model.localeCompare(b.model));
  const apis = [...byApi].filter(([, n]) => n > 0).map(([api, n]) => ({ api, requests: n })).sort((a, b) => a.api.localeCompare(b.api));
  return { models, apis };
}

function isFailure(labels: CounterValue["labels"]): boolean {
  const outcome = labels["outcome"];
  return (outcome === "error" || outcome === "stream_error") && labels["status_class"] !== "4xx";
}

/** Per model, cache hits and misses since the baseline; models without a lookup are absent. */
function cacheLookups(current: MetricsSnapshot, baseline: MetricsSnapshot | undefined): Map<string, CacheTraffic> {
  const sums = new Map<string, { hits: number; misses: number }>();
  const add = (values: readonly CounterValue[], field: "hits" | "misses") => {
    for (const { labels, value } of values) {
      const model = String(labels["model"] ?? "");
      const entry = sums.get(model) ?? { hits: 0, misses: 0 };
      entry[field] += value;
      sums.set(model, entry);
    }
  };
  add(counterDelta(current.cacheHits, baseline?.cacheHits ?? []), "hits");
  add(counterDelta(current.cacheMisses, baseline?.cacheMisses ?? []), "misses");
  const out = new Map<string, CacheTraffic>();
  for (const [model, { hits, misses }] of sums) if (hits + misses > 0) out.set(model, { hits, misses, hit_ratio: hits / (hits + misses) });
  return out;
}

/** Each label combination's increase since the baseline (a series new since then counts whole). */
function counterDelta(current: readonly CounterValue[], baseline: readonly CounterValue[]): CounterValue[] {
  const before = new Map(baseline.map((c) => [labelId(c.labels), c.value]));
  return current.map((c) => ({ labels: c.labels, value: Math.max(0, c.value - (before.get(labelId(c.labels)) ?? 0)) }));
}

function labelId(labels: CounterValue["labels"]): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`)
    .join("\u0001");
}

/** Per model, the bucket counts of successful requests since the baseline; models with none are absent. */
function successLatency(current: HistogramSnapshot, baseline: HistogramSnapshot | undefined): Map<string, number[]> {
  const before = new Map((baseline?.series ?? []).map((s) => [labelId(s.labels), s.counts]));
  const out = new Map<string, number[]>();
  for (const s of current.series) {
    if (s.labels["outcome"] !== "success") continue;
    const model = s.labels["model"] ?? "";
    const old = before.get(labelId(s.labels));
    const sum = out.get(model) ?? new Array<number>(s.counts.length).fill(0);
    s.counts.forEach((n, i) => (sum[i] = (sum[i] ?? 0) + n - (old?.[i] ?? 0)));
    out.set(model, sum);
  }
  for (const [model, counts] of out) if (counts.every((n) => n <= 0)) out.delete(model);
  return out;
}

/**
 * The q-quantile in milliseconds, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does; past the highest bound it is that bound (nothing finer is known).
 * `counts` are per bucket (not cumulative), with one more slot than `bounds`.
 */
export function quantileMs(bounds: readonly number[], counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (seen + n >= rank && n > 0) {
      const upper = bounds[i];
      if (upper === undefined) return secondsToMs(bounds[bounds.length - 1] ?? 0);
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      return secondsToMs(lower + (upper - lower) * ((rank - seen) / n));
    }
    seen += n;
  }
  return secondsToMs(bounds[bounds.length - 1] ?? 0);
}

function secondsToMs(seconds: number): number {
  return Math.round(seconds * 10_000) / 10;
}
