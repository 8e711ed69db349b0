// The first-byte and total timeouts and the client's leaving, as one attempt sees them: which
// deadline is reported, that the serving call is still aborted at the total timeout once the
// answer has begun, and that finish() ends both the timeout and the client's hold on the call.
import { describe, expect, it } from "vitest";
import type { ConcreteTarget } from "../../src/config/types.ts";
import { UpstreamError } from "../../src/providers/errors.ts";
import type { CallOptions, ProviderAdapter } from "../../src/providers/types.ts";
import { execute, noBreakers, type ExecutionContext, type TargetOperation } from "../../src/routing/executor.ts";
import { ClientLink } from "../../src/routing/target-call.ts";

const target = (firstByteTimeoutMs: number, timeoutMs: number): ConcreteTarget => ({ provider: "p", model: "m", timeoutMs, firstByteTimeoutMs, defaultMaxTokens: undefined, space: undefined });
const adapter = { id: "p" } as unknown as ProviderAdapter;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function context(client = new ClientLink()): ExecutionContext {
  return {
    requestId: "req-1",
    publicModel: "m",
    client,
    images: { allow_private_hosts: false, max_bytes: 1_000, timeout_ms: 1_000 },
    retry: { retries: 0, backoffMs: 0, maxBackoffMs: 0, retryAfterCapMs: 0 },
    adapterFor: () => adapter,
    disabledReason: () => undefined,
    breakers: noBreakers,
  };
}

/** Answers after `answerAfterMs` (never when undefined), rejecting with the signal's reason once aborted. */
function operation(answerAfterMs: number | undefined, seen: CallOptions[] = []): TargetOperation<null, string> {
  return {
    call: (_adapter, _req, _model, options) => {
      seen.push(options);
      options.warn?.("a warning");
      return new Promise((resolve, reject) => {
        if (answerAfterMs !== undefined) setTimeout(() => resolve("answer"), answerAfterMs);
        options.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      });
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  const cause = (error as { errors?: UpstreamError[] }).errors?.[0] ?? error;
  expect(cause).toBeInstanceOf(UpstreamError);
  return cause as UpstreamError;
}

describe("execute: deadlines and the client", () => {
  it("reports the first-byte timeout when no answer came in time", async () => {
    const error = await failure(execute([target(30, 5_000)], operation(undefined), null, context()));
    expect([error.status, error.failure, error.message]).toEqual([504, "timeout", "no response within 30 ms"]);
  });

  it("reports the total timeout when it is the nearer deadline", async () => {
    const error = await failure(execute([target(5_000, 30)], operation(undefined), null, context()));
    expect([error.status, error.failure, error.message]).toEqual([504, "timeout", "not finished within 30 ms"]);
  });

  it("reports the first-byte timeout when both deadlines are the same", async () => {
    const error = await failure(execute([target(30, 30)], operation(undefined), null, context()));
    expect(error.message).toBe("no response within 30 ms");
  });

  it("aborts an answer still being written at the total timeout, not at the first-byte one", async () => {
    const execution = await execute([target(30, 120)], operation(5), null, context());
    expect(execution.result).toBe("answer");
    expect(execution.warnings).toEqual(["a warning"]);
    await sleep(70);
    expect(execution.signal.aborted).toBe(false);
    await sleep(120);
    expect(execution.signal.aborted).toBe(true);
    expect((execution.signal.reason as Error).message).toBe("total timeout");
    execution.finish();
  });

  // The pipeline's ClientLink hands the client's leaving to the running call without a listener.
  describe("the client's leaving", () => {
    it("after finish() neither a deadline nor the client aborts the call", async () => {
      const client = new ClientLink();
      const execution = await execute([target(20, 40)], operation(1), null, context(client));
      execution.finish();
      await sleep(80);
      client.leave(new Error("client disconnected"));
      expect(execution.signal.aborted).toBe(false);
    });

    it("aborts the upstream call when the client leaves before the answer, as a 499", async () => {
      const client = new ClientLink();
      const seen: CallOptions[] = [];
      const pending = execute([target(5_000, 5_000)], operation(undefined, seen), null, context(client));
      await sleep(10);
      client.leave(new Error("client disconnected"));
      const error = await pending.then(() => undefined, (e: unknown) => e as UpstreamError);
      expect([error?.status, error?.failure]).toEqual([499, "aborted"]);
      expect(seen[0]?.signal.aborted).toBe(true);
    });

    it("aborts the serving call when the client leaves after the answer began", async () => {
      const client = new ClientLink();
      const execution = await execute([target(5_000, 5_000)], operation(1), null, context(client));
      client.leave(new Error("client disconnected"));
      expect(execution.signal.aborted).toBe(true);
      execution.finish();
    });
  });

  it("gives the adapter the request's id, public model and the target's defaults", async () => {
    const seen: CallOptions[] = [];
    const execution = await execute([{ ...target(5_000, 5_000), defaultMaxTokens: 77 }], operation(1, seen), null, context());
    execution.finish();
    expect(seen[0]).toMatchObject({ requestId: "req-1", publicModel: "m", defaultMaxTokens: 77, images: { max_bytes: 1_000 } });
  });
});
