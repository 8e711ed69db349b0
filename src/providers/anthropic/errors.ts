// @anthropic-ai/sdk errors → UpstreamError, so the executor never sees SDK classes.
// The error module alone (two files), not the whole SDK, which loads on first use (./sdk.ts).
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "@anthropic-ai/sdk/core/error";
import { parseRetryAfter, UpstreamError } from "../errors.ts";
import { GatewayInputError } from "../input-error.ts";
import { transportError } from "../transport-error.ts";
import { streamError } from "./stream.ts";

/** Where the failure happened: before the response headers, or while reading the stream. */
export type Phase = "request" | "stream";

export function toUpstreamError(provider: string, error: unknown, signal: AbortSignal, phase: Phase): UpstreamError | GatewayInputError {
  if (error instanceof UpstreamError || error instanceof GatewayInputError) return error;
  // The caller's signal wins: whatever the SDK made of the abort, the client went away (or the
  // executor gave up), and that is never the provider's fault.
  if (signal.aborted || error instanceof APIUserAbortError) {
    return new UpstreamError({ provider, status: 499, failure: "aborted", message: `${provider}: request aborted`, cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new UpstreamError({ provider, status: 504, failure: "timeout", message: `${provider}: upstream timed out`, cause: error });
  }
  if (error instanceof APIConnectionError) return transportError(provider, error, signal);
  if (error instanceof APIError) {
    // instanceof yields APIError<any, any>; read the generic fields as unknown.
    const status: unknown = error.status;
    const headers: unknown = error.headers;
    if (typeof status !== "number") {
      // No status: the `event: error` frame of a stream that had already started.
      const wrapped = streamError(provider, error.apiMessage ?? error.message, error.type ?? undefined);
      return new UpstreamError({ provider, status: wrapped.status, failure: "stream", message: wrapped.message, body: wrapped.body, cause: error });
    }
    const message = error.apiMessage ?? `upstream returned ${status}`;
    return new UpstreamError({
      provider,
      status,
      failure: "http",
      message: `${provider}: ${message}`,
      retryAfterMs: parseRetryAfter(header(headers, "retry-after"), header(headers, "retry-after-ms")),
      body: { message, type: error.type ?? undefined, code: error.errorCode },
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (phase === "stream") {
    return new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider}: stream broke: ${message}`, cause: error });
  }
  return transportError(provider, error, signal);
}

function header(headers: unknown, name: string): string | undefined {
  return headers instanceof Headers ? (headers.get(name) ?? undefined) : undefined;
}
