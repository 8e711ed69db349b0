// The status page's arithmetic: quantiles from bucket counts as histogram_quantile reads them,
// traffic between two snapshots, and the window of snapshots that bounds "recent".
import { describe, expect, it } from "vitest";
import { createMetricWindow } from "../../src/status/metric-window.ts";
import { quantileMs, recentTraffic } from "../../src/status/traffic.ts";
import type { MetricsSnapshot } from "../../src/telemetry/metrics.ts";

const BOUNDS = [0.1, 0.5, 1];
const requests = (model: string, outcome: string, statusClass: string, value: number, api?: string) => ({
  labels: { key: "a", model, route: "", provider: "p", status_class: statusClass, outcome, ...(api ? { api } : {}) },
  value,
});
const durations = (model: string, counts: number[]) => ({ labels: { model, provider: "p", outcome: "success" }, counts });
const lookups = (model: string, api: string, tier: string, value: number) => ({ labels: { model, api, tier }, value });

describe("quantileMs", () => {
  it("interpolates inside the bucket holding the rank, from 0 for the first", () => {
    expect(quantileMs(BOUNDS, [10, 0, 0, 0], 0.5)).toBe(50);
    expect(quantileMs(BOUNDS, [0, 10, 0, 0], 0.5)).toBe(300);
    expect(quantileMs(BOUNDS, [50, 50, 0, 0], 0.99)).toBe(492);
  });
  it("answers the highest bound past it, and null without observations", () => {
    expect(quantileMs(BOUNDS, [0, 0, 0, 4], 0.99)).toBe(1000);
    expect(quantileMs(BOUNDS, [0, 0, 0, 0], 0.5)).toBeNull();
  });
});

describe("recentTraffic", () => {
  const before: MetricsSnapshot = {
    requests: [requests("fast", "success", "2xx", 100), requests("fast", "error", "5xx", 10)],
    durations: { bounds: BOUNDS, series: [durations("fast", [100, 0, 0, 0])] },
    cacheHits: [],
    cacheMisses: [],
  };
  const after: MetricsSnapshot = {
    requests: [
      requests("fast", "success", "2xx", 106),
      requests("fast", "error", "5xx", 12),
      requests("fast", "error", "4xx", 2),
      requests("slow", "stream_error", "2xx", 1),
    ],
    durations: { bounds: BOUNDS, series: [durations("fast", [100, 6, 0, 0])] },
    cacheHits: [],
    cacheMisses: [],
  };

  it("counts what happened since the baseline: 5xx and broken streams fail, 4xx do not", () => {
    expect(recentTraffic(after, before)).toEqual({
      models: [
        { model: "fast", requests: 10, error_rate: 0.2, p50_ms: 300, p99_ms: 496 },
        { model: "slow", requests: 1, error_rate: 1, p50_ms: null, p99_ms: null },
      ],
      apis: [],
    });
  });

  it("counts everything since start without a baseline, and per front door when requests carry `api`", () => {
    const doors: MetricsSnapshot = {
      requests: [requests("fast", "success", "2xx", 3, "chat"), requests("fast", "success", "2xx", 2, "messages")],
      durations: { bounds: BOUNDS, series: [] },
      cacheHits: [],
      cacheMisses: [],
    };
    expect(recentTraffic(doors, undefined).apis).toEqual([
      { api: "chat", requests: 3 },
      { api: "messages", requests: 2 },
    ]);
  });

  it("gives a model's cache hit ratio over the window, every tier and front door together", () => {
    const base = { durations: { bounds: BOUNDS, series: [] } };
    const earlier: MetricsSnapshot = {
      ...base,
      requests: [requests("cached", "success", "2xx", 50, "chat"), requests("plain", "success", "2xx", 5, "chat")],
      cacheHits: [lookups("cached", "chat", "memory", 40)],
      cacheMisses: [lookups("cached", "chat", "redis", 10)],
    };
    const later: MetricsSnapshot = {
      ...base,
      requests: [requests("cached", "success", "2xx", 60, "chat"), requests("cached", "success", "2xx", 2, "embeddings"), requests("plain", "success", "2xx", 9, "chat")],
      // Since the baseline: 4 memory + 1 redis + 1 inflight hits, 4 + 2 misses.
      cacheHits: [lookups("cached", "chat", "memory", 44), lookups("cached", "chat", "redis", 1), lookups("cached", "embeddings", "inflight", 1)],
      cacheMisses: [lookups("cached", "chat", "redis", 14), lookups("cached", "embeddings", "redis", 2)],
    };
    const models = recentTraffic(later, earlier).models;
    expect(models.find((m) => m.model === "cached")?.cache).toEqual({ hits: 6, misses: 6, hit_ratio: 0.5 });
    expect(models.find((m) => m.model === "plain")).not.toHaveProperty("cache");
    // Without a lookup in the window a cache-enabled model has no ratio, not a ratio of 0.
    expect(recentTraffic(earlier, earlier).models).toEqual([]);
  });
});

describe("createMetricWindow", () => {
  const snapshot: MetricsSnapshot = { requests: [], durations: { bounds: [], series: [] }, cacheHits: [], cacheMisses: [] };
  it("compares with the start until the span has passed, then with a snapshot at least a span old", () => {
    const window = createMetricWindow(0, 60_000, 10_000);
    expect(window.advance({ at: 3_000, snapshot }).at).toBe(0);
    expect(window.advance({ at: 12_000, snapshot }).at).toBe(0);
    expect(window.advance({ at: 59_000, snapshot }).at).toBe(0);
    // 3 s was not kept (under a step after the start); 12 s and 59 s were.
    expect(window.advance({ at: 63_000, snapshot }).at).toBe(0);
    expect(window.advance({ at: 72_000, snapshot }).at).toBe(12_000);
    expect(window.advance({ at: 200_000, snapshot }).at).toBe(72_000);
  });
  it("keeps a bounded number of snapshots however often it is read", () => {
    const window = createMetricWindow(0, 60_000, 10_000);
    let baseline = 0;
    for (let at = 1_000; at < 1_000_000; at += 500) baseline = window.advance({ at, snapshot }).at;
    expect(999_500 - baseline).toBeGreaterThanOrEqual(60_000);
    expect(999_500 - baseline).toBeLessThanOrEqual(70_000);
  });
});
