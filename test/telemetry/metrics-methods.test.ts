// The metric methods other modules call (breakers, limits, stores), checked through a real
// exposition of a gateway's own registry.
import { describe, expect, it } from "vitest";
import { createGatewayMetrics, type FinishedRequest } from "../../src/telemetry/metrics.ts";
import { parseSamples, seriesName } from "./scrape.ts";

const read = async (metrics: ReturnType<typeof createGatewayMetrics>) => parseSamples(await metrics.scrape());

const served: FinishedRequest = {
  api: "chat",
  key: "team-a",
  model: "fast",
  route: "none",
  provider: "up",
  upstreamModel: "gpt-4o-mini",
  status: 200,
  outcome: "success",
  durationMs: 120,
  overheadMs: 0.4,
  upstreamMs: 119,
  ttftMs: 80,
  interTokenMs: 12,
  promptTokens: 100,
  completionTokens: 40,
  costUsd: 0.000039,
};

describe("GatewayMetrics", () => {
  it("reports breaker state per provider as 0 closed, 1 half-open, 2 open", async () => {
    const metrics = createGatewayMetrics();
    metrics.breakerState("a", "open");
    metrics.breakerState("b", "closed");
    let s = await read(metrics);
    expect(s.get(seriesName("llm_gateway_circuit_state", { provider: "a" }))).toBe(2);
    expect(s.get(seriesName("llm_gateway_circuit_state", { provider: "b" }))).toBe(0);
    metrics.breakerState("a", "half_open");
    s = await read(metrics);
    expect(s.get(seriesName("llm_gateway_circuit_state", { provider: "a" }))).toBe(1);
    metrics.breakerState("a", "closed");
    expect((await read(metrics)).get(seriesName("llm_gateway_circuit_state", { provider: "a" }))).toBe(0);
  });

  it("counts rate-limit refusals by limit and key, and store errors by store", async () => {
    const metrics = createGatewayMetrics();
    metrics.rateLimited("requests", "team-a");
    metrics.rateLimited("requests", "team-a");
    metrics.rateLimited("tokens", "team-b");
    metrics.storeError("redis");
    const s = await read(metrics);
    expect(s.get(seriesName("llm_gateway_rate_limited_total", { limit: "requests", key: "team-a" }))).toBe(2);
    expect(s.get(seriesName("llm_gateway_rate_limited_total", { limit: "tokens", key: "team-b" }))).toBe(1);
    expect(s.get(seriesName("llm_gateway_store_errors_total", { store: "redis" }))).toBe(1);
  });

  it("adds up repeated requests on one label set and keeps label sets apart", async () => {
    const metrics = createGatewayMetrics();
    for (let i = 0; i < 3; i++) {
      metrics.requestStarted();
      metrics.requestDone(served);
    }
    metrics.requestStarted();
    metrics.requestDone({ ...served, key: "team-b", costUsd: 0.5 });
    const s = await read(metrics);
    const labels = { api: "chat", key: "team-a", model: "fast", route: "none", provider: "up", status_class: "2xx", outcome: "success" };
    expect(s.get(seriesName("llm_gateway_requests_total", labels))).toBe(3);
    expect(s.get(seriesName("llm_gateway_requests_total", { ...labels, key: "team-b" }))).toBe(1);
    const tokens = { key: "team-a", model: "fast", provider: "up", upstream_model: "gpt-4o-mini" };
    expect(s.get(seriesName("llm_gateway_tokens_total", { ...tokens, type: "prompt" }))).toBe(300);
    expect(s.get(seriesName("llm_gateway_tokens_total", { ...tokens, type: "completion" }))).toBe(120);
    expect(s.get(seriesName("llm_gateway_cost_usd_total", { key: "team-a", model: "fast" }))).toBeCloseTo(3 * 0.000039, 15);
    expect(s.get(seriesName("llm_gateway_cost_usd_total", { key: "team-b", model: "fast" }))).toBe(0.5);
    const target = { model: "fast", provider: "up", upstream_model: "gpt-4o-mini" };
    expect(s.get(seriesName("llm_gateway_time_to_first_token_seconds_count", target))).toBe(4);
    // 80 ms lands in the 0.1 s bucket and not in the 0.05 s one
    expect(s.get(seriesName("llm_gateway_time_to_first_token_seconds_bucket", { ...target, le: "0.05" }))).toBe(0);
    expect(s.get(seriesName("llm_gateway_time_to_first_token_seconds_bucket", { ...target, le: "0.1" }))).toBe(4);
    expect(s.get(seriesName("llm_gateway_inter_token_latency_seconds_sum", target))).toBeCloseTo(4 * 0.012, 12);
    expect(s.get(seriesName("llm_gateway_gateway_overhead_seconds_bucket", { api: "chat", model: "fast", provider: "up", le: "0.0005" }))).toBe(4);
    expect(s.get("llm_gateway_inflight_requests")).toBe(0);
  });

  it("leaves no token or cost series behind for requests without usage", async () => {
    const metrics = createGatewayMetrics();
    metrics.requestStarted();
    metrics.requestDone({ ...served, status: 404, outcome: "error", model: "unknown", provider: "none", upstreamModel: "none", promptTokens: undefined, completionTokens: undefined, costUsd: undefined, ttftMs: undefined, interTokenMs: undefined, upstreamMs: undefined });
    const text = await metrics.scrape();
    expect(text).not.toMatch(/^llm_gateway_tokens_total\{/m);
    expect(text).not.toMatch(/^llm_gateway_cost_usd_total\{/m);
    expect(text).not.toMatch(/^llm_gateway_upstream_duration_seconds_count\{/m);
    expect(text).toMatch(/^llm_gateway_requests_total\{.*status_class="4xx",outcome="error"\} 1$/m);
  });

  it("keeps registries apart, with default process metrics, and counts cache hits and misses by model, api and tier", async () => {
    const one = createGatewayMetrics();
    const two = createGatewayMetrics();
    one.retry("up", "http_500");
    const a = await read(one);
    const b = await read(two);
    expect(a.get(seriesName("llm_gateway_retries_total", { provider: "up", reason: "http_500" }))).toBe(1);
    expect(b.has(seriesName("llm_gateway_retries_total", { provider: "up", reason: "http_500" }))).toBe(false);
    one.cacheHit("fast", "chat", "memory");
    one.cacheMiss("fast", "chat", "redis");
    const c = await read(one);
    expect(c.get(seriesName("llm_gateway_cache_hits_total", { model: "fast", api: "chat", tier: "memory" }))).toBe(1);
    expect(c.get(seriesName("llm_gateway_cache_misses_total", { model: "fast", api: "chat", tier: "redis" }))).toBe(1);
    expect([...b.keys()].some((name) => name.startsWith("llm_gateway_cache_"))).toBe(false);
    expect(b.has("llm_gateway_process_resident_memory_bytes")).toBe(true);
    expect(one.contentType).toContain("text/plain");
  });

  it("declares every family once, histograms included", async () => {
    const metrics = createGatewayMetrics();
    metrics.requestStarted();
    metrics.requestDone(served);
    const types = [...(await metrics.scrape()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(new Set(types).size).toBe(types.length);
    for (const histogram of ["request_duration_seconds", "upstream_duration_seconds", "gateway_overhead_seconds", "time_to_first_token_seconds", "inter_token_latency_seconds"]) {
      expect(types).toContain(`llm_gateway_${histogram} histogram`);
    }
    for (const counter of ["requests_total", "tokens_total", "cost_usd_total", "retries_total", "fallbacks_total", "rate_limited_total", "store_errors_total", "cache_hits_total", "cache_misses_total"]) {
      expect(types).toContain(`llm_gateway_${counter} counter`);
    }
    expect(types).toContain("llm_gateway_circuit_state gauge");
    expect(types).toContain("llm_gateway_inflight_requests gauge");
  });
});
