// A call whose signal fired failed because of that, whatever the SDK or fetch made of it: the
// client went away or a timeout ended the call, never a fault of the upstream.
import { UpstreamError } from "./errors.ts";

/** 504 `timeout` when a timeout aborted the signal (its reason is a TimeoutError), else 499 `aborted`. */
export function abortedCallError(provider: string, signal: AbortSignal, cause: unknown): UpstreamError {
  const timedOut = isTimeout(signal.reason);
  return new UpstreamError({
    provider,
    status: timedOut ? 504 : 499,
    failure: timedOut ? "timeout" : "aborted",
    message: timedOut ? `${provider}: request timed out` : `${provider}: request aborted`,
    cause,
  });
}

// By name, not class: AbortSignal.timeout()'s reason is a DOMException named TimeoutError.
function isTimeout(reason: unknown): boolean {
  return typeof reason === "object" && reason !== null && (reason as { name?: unknown }).name === "TimeoutError";
}
