// openai SDK errors from an Azure OpenAI call → UpstreamError, so the executor never sees SDK
// classes. Azure answers with the OpenAI error envelope, so its body is read the same way.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { errorBodyOf } from "../error-envelope.ts";
import { parseRetryAfter, UpstreamError } from "../errors.ts";
import { transportError } from "../transport-error.ts";

/** Where the failure happened: before the response headers, or while reading the stream. */
export type Phase = "request" | "stream";

export function toUpstreamError(provider: string, error: unknown, signal: AbortSignal, phase: Phase): UpstreamError {
  if (error instanceof UpstreamError) return error;
  // The caller's signal wins: the client went away or the executor gave up, never the provider's fault.
  if (signal.aborted || error instanceof APIUserAbortError) {
    return new UpstreamError({ provider, status: 499, failure: "aborted", message: `${provider}: request aborted`, cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new UpstreamError({ provider, status: 504, failure: "timeout", message: `${provider}: upstream timed out`, cause: error });
  }
  if (error instanceof APIConnectionError && phase === "request") return transportError(provider, error, signal);
  if (error instanceof APIError && !(error instanceof APIConnectionError)) {
    // instanceof yields APIError<any, any, any>; read the generic fields as unknown.
    const status: unknown = error.status;
    const headers: unknown = error.headers;
    const inner: unknown = error.error;
    const body = errorBodyOf(inner);
    if (typeof status !== "number") {
      // No status: an `{"error": ...}` frame inside a stream that had already started.
      const message = body?.message ?? error.message;
      return new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider}: stream failed: ${message}`, body: body ?? { message }, cause: error });
    }
    return new UpstreamError({
      provider,
      status,
      failure: "http",
      message: body?.message ?? error.message,
      retryAfterMs: parseRetryAfter(header(headers, "retry-after"), header(headers, "retry-after-ms")),
      body: body ?? { message: error.message },
      cause: error,
    });
  }
  if (phase === "stream") {
    return new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider}: stream broke: ${describe(error)}`, cause: error });
  }
  return transportError(provider, error, signal);
}

function header(headers: unknown, name: string): string | undefined {
  return headers instanceof Headers ? (headers.get(name) ?? undefined) : undefined;
}

/** fetch hides the socket's reason ("other side closed") in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  return cause instanceof Error && cause.message && cause.message !== error.message ? `${error.message} (${cause.message})` : error.message;
}
