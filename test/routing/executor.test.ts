// How the executor treats an adapter that throws something other than an UpstreamError: the
// call never reached the upstream, so it is the gateway's fault, not the provider's.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConcreteTarget } from "../../src/config/types.ts";
import { toGatewayError } from "../../src/http/errors.ts";
import { UpstreamError } from "../../src/providers/errors.ts";
import type { ChatRequest, ProviderAdapter } from "../../src/providers/types.ts";
import { BreakerRegistry } from "../../src/resilience/breakers.ts";
import { chatOperation } from "../../src/pipeline/operations/chat.ts";
import { execute, type ExecutionContext } from "../../src/routing/executor.ts";
import { ClientLink } from "../../src/routing/target-call.ts";

const target = (provider: string): ConcreteTarget => ({ provider, model: `${provider}-model`, timeoutMs: 5_000, firstByteTimeoutMs: 5_000, defaultMaxTokens: undefined, space: undefined });
const req: ChatRequest = { model: "m", messages: [{ role: "user", content: "hi" }] };

/** An adapter whose chat calls are counted and answered by `answer`. */
function adapter(id: string, answer: () => Promise<never>): ProviderAdapter & { calls: number } {
  const stub = {
    id,
    calls: 0,
    chat: () => {
      stub.calls += 1;
      return answer();
    },
    listModels: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
  return stub;
}

describe("execute", () => {
  const settings = { error_threshold_percentage: 1, volume_threshold: 1, reset_timeout_ms: 60_000, rolling_window_ms: 60_000 };
  let breakers: BreakerRegistry;
  beforeEach(() => {
    // One counted failure opens a breaker.
    breakers = new BreakerRegistry();
    breakers.sync(new Map([["broken", "a"], ["healthy", "b"]]), settings);
  });
  afterEach(() => breakers.shutdown());

  const context = (adapters: ProviderAdapter[]): ExecutionContext => ({
    requestId: "req-1",
    publicModel: "m",
    client: new ClientLink(),
    images: { allow_private_hosts: false, max_bytes: 1_000, timeout_ms: 1_000 },
    retry: { retries: 2, backoffMs: 1, maxBackoffMs: 2, retryAfterCapMs: 1_000 },
    adapterFor: (provider) => adapters.find((a) => a.id === provider),
    disabledReason: () => undefined,
    breakers,
  });

  it("neither retries, falls back on nor counts a throw from before the upstream call", async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'tools')");
    const broken = adapter("broken", () => Promise.reject(bug));
    const healthy = adapter("healthy", () => Promise.reject(new Error("must not be called")));
    for (let i = 0; i < 3; i++) {
      await expect(execute([target("broken"), target("healthy")], chatOperation, req, context([broken, healthy]))).rejects.toBe(bug);
    }
    expect(broken.calls).toBe(3);
    expect(healthy.calls).toBe(0);
    expect(breakers.allows("broken")).toBe(true);
    // The client sees a generic 500, never the JavaScript message.
    const answer = toGatewayError(bug, (text) => text);
    expect([answer.status, answer.type, answer.message]).toEqual([500, "server_error", "internal error"]);
  });

  it("still retries, falls back on and counts a connection failure", async () => {
    const down = adapter("broken", () => Promise.reject(new UpstreamError({ provider: "broken", status: 502, failure: "connection", message: "refused" })));
    const healthy = adapter("healthy", () => Promise.reject(new UpstreamError({ provider: "healthy", status: 502, failure: "connection", message: "refused" })));
    await expect(execute([target("broken"), target("healthy")], chatOperation, req, context([down, healthy]))).rejects.toThrow();
    expect(down.calls).toBeGreaterThan(0);
    expect(healthy.calls).toBeGreaterThan(0);
    expect(breakers.allows("broken")).toBe(false);
  });
});
