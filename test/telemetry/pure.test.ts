// The small pieces: cost, status classes and outcomes, label bounding, readiness checks, and the
// limiter hooks' translation into metrics.
import { describe, expect, it } from "vitest";
import { costUsd } from "../../src/telemetry/cost.ts";
import { limitMetricHooks } from "../../src/telemetry/limit-metrics.ts";
import { createGatewayMetrics } from "../../src/telemetry/metrics.ts";
import { outcomeOf, statusClass } from "../../src/telemetry/outcome.ts";
import { runReadinessChecks } from "../../src/telemetry/readiness.ts";
import { finishRequest } from "../../src/telemetry/request-facts.ts";

describe("costUsd", () => {
  it("prices prompt and completion tokens per million", () => {
    expect(costUsd({ input_per_mtok: 3, output_per_mtok: 15 }, { prompt_tokens: 1_000_000, completion_tokens: 0 })).toBe(3);
    expect(costUsd({ input_per_mtok: 3, output_per_mtok: 15 }, { prompt_tokens: 2_000, completion_tokens: 1_000 })).toBeCloseTo(0.021, 15);
  });
  it("is undefined without a price or without usage, and 0 for a free model", () => {
    expect(costUsd(undefined, { prompt_tokens: 5, completion_tokens: 5 })).toBeUndefined();
    expect(costUsd({ input_per_mtok: 1, output_per_mtok: 1 }, undefined)).toBeUndefined();
    expect(costUsd({ input_per_mtok: 0, output_per_mtok: 0 }, { prompt_tokens: 5, completion_tokens: 5 })).toBe(0);
  });
});

describe("statusClass and outcomeOf", () => {
  it.each([
    [200, "2xx"],
    [204, "2xx"],
    [301, "3xx"],
    [404, "4xx"],
    [499, "4xx"],
    [503, "5xx"],
    [0, "5xx"],
    [700, "5xx"],
  ])("%i is %s", (status, klass) => expect(statusClass(status)).toBe(klass));

  it("ranks a broken stream over a departed client over the status", () => {
    expect(outcomeOf({ status: 200, streamError: true, clientGone: true })).toBe("stream_error");
    expect(outcomeOf({ status: 200, streamError: false, clientGone: true })).toBe("client_abort");
    expect(outcomeOf({ status: 429, streamError: false, clientGone: false })).toBe("error");
    expect(outcomeOf({ status: 200, streamError: false, clientGone: false })).toBe("success");
  });
});

describe("finishRequest", () => {
  const finish = { responseStatus: 200, durationMs: 50 };
  it("bounds labels: config names or fixed words only", () => {
    expect(finishRequest({}, { responseStatus: 404, durationMs: 2 })).toMatchObject({
      key: "anonymous",
      model: "unknown",
      route: "none",
      provider: "none",
      upstreamModel: "none",
      status: 404,
      outcome: "error",
    });
    expect(finishRequest({}, { responseStatus: 401, durationMs: 2 }).key).toBe("unauthenticated");
    expect(finishRequest({ keyName: "team-a", publicModel: "smart", route: "cheap", provider: "up", upstreamModel: "m" }, finish)).toMatchObject({
      key: "team-a",
      model: "smart",
      route: "cheap",
      provider: "up",
      upstreamModel: "m",
    });
  });
  it("reports a client that left before any response as 499 client_abort", () => {
    expect(finishRequest({ clientGone: true }, { responseStatus: 502, durationMs: 5 })).toMatchObject({ status: 499, outcome: "client_abort" });
    // once the head went out, the status sent stays
    expect(finishRequest({ clientGone: true, status: 200 }, finish)).toMatchObject({ status: 200, outcome: "client_abort" });
  });
  it("takes the time spent waiting on upstreams out of the overhead, never below zero", () => {
    expect(finishRequest({ upstreamWaitMs: 45 }, finish).overheadMs).toBe(5);
    expect(finishRequest({}, finish).overheadMs).toBe(50);
    expect(finishRequest({ upstreamWaitMs: 50.5 }, finish).overheadMs).toBe(0);
  });
});

describe("runReadinessChecks", () => {
  it("reports each check by name; a throw, a rejection or a hang is not ready", async () => {
    const result = await runReadinessChecks(
      [
        { name: "ok", check: () => true },
        { name: "async", check: () => Promise.resolve(true) },
        { name: "down", check: () => false },
        { name: "throws", check: () => { throw new Error("no"); } },
        { name: "rejects", check: () => Promise.reject(new Error("no")) },
        { name: "hangs", check: (signal) => new Promise<boolean>((resolve) => signal.addEventListener("abort", () => resolve(true))) },
      ],
      50,
    );
    expect(result).toEqual({ ok: true, async: true, down: false, throws: false, rejects: false, hangs: false });
  });
});

describe("limitMetricHooks", () => {
  it("counts refusals by limit and key (anonymous on an open gateway), and failed store operations, not reconnects", async () => {
    const metrics = createGatewayMetrics();
    let store = "memory";
    const hooks = limitMetricHooks(metrics, () => store);
    hooks.onRefused({ keyName: "team-a", limit: "tokens" });
    hooks.onRefused({ keyName: undefined, limit: "model_requests" });
    hooks.onRefused({ keyName: "team-a", limit: "store" }); // the store failed: a store error, not a limit
    store = "redis";
    hooks.onStoreError({ operation: "check" });
    hooks.onStoreError({ operation: "connection" });
    const text = await metrics.scrape();
    expect(text).toContain('llm_gateway_rate_limited_total{limit="tokens",key="team-a"} 1');
    expect(text).toContain('llm_gateway_rate_limited_total{limit="model_requests",key="anonymous"} 1');
    expect(text).not.toContain('limit="store"');
    expect(text).toContain('llm_gateway_store_errors_total{store="redis"} 1');
    expect(text).not.toContain('store="memory"');
  });
});
