// The registry counts calls through a closed breaker itself (opossum's events, without `fire`'s
// promises): it must open, half-open and close exactly where opossum's own `fire` would.
import CircuitBreaker from "opossum";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/errors.ts";
import { BreakerOpenError, BreakerRegistry, type BreakerState } from "../../src/resilience/breakers.ts";

type Outcome = "ok" | "fault" | "client_error" | "aborted" | "bug";

function thrown(outcome: Exclude<Outcome, "ok">): Error {
  if (outcome === "fault") return new UpstreamError({ provider: "p", status: 503, failure: "http", message: "unavailable" });
  if (outcome === "client_error") return new UpstreamError({ provider: "p", status: 400, failure: "http", message: "bad request" });
  if (outcome === "aborted") return new UpstreamError({ provider: "p", status: 499, failure: "aborted", message: "client disconnected" });
  return new TypeError("a gateway bug");
}

const attempt = (outcome: Outcome) => (): Promise<string> => (outcome === "ok" ? Promise.resolve("answer") : Promise.reject(thrown(outcome)));

function stateOf(breaker: CircuitBreaker): BreakerState {
  if (breaker.opened) return "open";
  return breaker.halfOpen ? "half_open" : "closed";
}

describe("BreakerRegistry", () => {
  const registries: BreakerRegistry[] = [];
  const references: CircuitBreaker[] = [];
  afterEach(() => {
    for (const r of registries.splice(0)) r.shutdown();
    for (const b of references.splice(0)) b.shutdown();
  });

  function pair(settings: { error_threshold_percentage: number; volume_threshold: number; reset_timeout_ms: number }) {
    const events: BreakerState[] = [];
    const registry = new BreakerRegistry({ onStateChange: (_provider, state) => events.push(state) });
    registry.sync(new Map([["p", "x"]]), { ...settings, rolling_window_ms: 60_000 });
    registries.push(registry);
    // opossum as the registry configured it before: every call through `fire`.
    const reference = new CircuitBreaker((run: () => Promise<unknown>) => run(), {
      timeout: false,
      errorThresholdPercentage: settings.error_threshold_percentage,
      volumeThreshold: settings.volume_threshold,
      resetTimeout: settings.reset_timeout_ms,
      rollingCountTimeout: 60_000,
      rollingCountBuckets: 10,
      errorFilter: (error: unknown) => !(error instanceof UpstreamError && error.isUpstreamFault),
    });
    references.push(reference);
    return { registry, reference, events };
  }

  async function both(registry: BreakerRegistry, reference: CircuitBreaker, outcome: Outcome): Promise<void> {
    const [ours, theirs] = await Promise.allSettled([registry.run("p", attempt(outcome)), reference.fire(attempt(outcome))]);
    expect(ours.status).toBe(theirs.status);
    if (theirs.status === "rejected" && (theirs.reason as { code?: string }).code === "EOPENBREAKER") {
      expect((ours as PromiseRejectedResult).reason).toBeInstanceOf(BreakerOpenError);
    }
    expect(registry.health("p")?.state).toBe(stateOf(reference));
    expect(registry.allows("p")).toBe(reference.closed || reference.halfOpen);
  }

  it("opens after the same sequence of outcomes as opossum's fire, counting only upstream faults", async () => {
    const { registry, reference } = pair({ error_threshold_percentage: 50, volume_threshold: 6, reset_timeout_ms: 60_000 });
    const sequence: Outcome[] = ["ok", "fault", "client_error", "aborted", "bug", "fault", "ok", "fault", "fault", "client_error", "fault", "fault", "ok", "fault", "fault", "ok"];
    for (const outcome of sequence) await both(registry, reference, outcome);
    expect(registry.health("p")?.state).toBe("open");
  });

  it("stays closed while faults stay at the threshold rate, as opossum does", async () => {
    const { registry, reference } = pair({ error_threshold_percentage: 50, volume_threshold: 2, reset_timeout_ms: 60_000 });
    for (let i = 0; i < 10; i++) await both(registry, reference, i % 2 === 0 ? "ok" : "fault");
    expect(registry.health("p")?.state).toBe("closed");
  });

  it("lets one half-open trial through, reopens on its fault and closes on its success, with the events", async () => {
    const { registry, reference, events } = pair({ error_threshold_percentage: 1, volume_threshold: 1, reset_timeout_ms: 40 });
    await both(registry, reference, "fault");
    expect(events).toEqual(["open"]);
    await both(registry, reference, "ok"); // refused while open
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(registry.health("p")?.state).toBe("half_open");
    await both(registry, reference, "fault");
    expect(events).toEqual(["open", "half_open", "open"]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await both(registry, reference, "ok");
    expect(events).toEqual(["open", "half_open", "open", "half_open", "closed"]);
  });

  it("keeps the last upstream error and latency for health, never a client's abort", async () => {
    const { registry } = pair({ error_threshold_percentage: 50, volume_threshold: 100, reset_timeout_ms: 60_000 });
    await registry.run("p", attempt("ok"));
    expect(registry.health("p")?.lastLatencyMs).toBeTypeOf("number");
    expect(registry.health("p")?.lastError).toBeUndefined();
    await expect(registry.run("p", attempt("fault"))).rejects.toThrow("unavailable");
    expect(registry.health("p")?.lastError).toMatchObject({ status: 503, failure: "http", message: "unavailable" });
    await expect(registry.run("p", attempt("aborted"))).rejects.toThrow("client disconnected");
    expect(registry.health("p")?.lastError).toMatchObject({ status: 503 });
  });
});
