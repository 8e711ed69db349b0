// A call ended by its own signal: aborted, or timed out when a timeout fired it.
import { describe, expect, it } from "vitest";
import { abortedCallError } from "../../src/providers/aborted-call.ts";

function abortedWith(reason?: unknown): AbortSignal {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
}

describe("abortedCallError", () => {
  it("reports a plain abort as 499 aborted, never retried nor held against the provider", () => {
    const cause = new DOMException("This operation was aborted", "AbortError");
    const error = abortedCallError("local", abortedWith(), cause);
    expect(error).toMatchObject({ provider: "local", status: 499, failure: "aborted", retryable: false, isUpstreamFault: false });
    expect(error.message).toBe("local: request aborted");
    expect(error.cause).toBe(cause);
  });

  it("reports a timeout signal as 504 timeout, retryable", () => {
    const error = abortedCallError("gem", abortedWith(new DOMException("signal timed out", "TimeoutError")), new TypeError("terminated"));
    expect(error).toMatchObject({ status: 504, failure: "timeout", retryable: true });
    expect(error.message).toBe("gem: request timed out");
  });

  it("treats any other abort reason as an abort", () => {
    expect(abortedCallError("gem", abortedWith(new Error("total timeout")), undefined).failure).toBe("aborted");
    expect(abortedCallError("gem", abortedWith("gone"), undefined).failure).toBe("aborted");
  });
});
