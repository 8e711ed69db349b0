// Whatever the Ollama SDK or the network threw → one UpstreamError. The SDK reports an HTTP error
// as a `ResponseError` (message from the `{"error": "..."}` body, `status_code`), an in-stream
// `{"error": ...}` line as a plain Error, and leaves network failures to fetch.
import { abortedCallError } from "../aborted-call.ts";
import { parseRetryAfter, UpstreamError } from "../errors.ts";
import { transportError } from "../transport-error.ts";

export interface ErrorContext {
  provider: string;
  signal: AbortSignal;
  /** Where the failure happened: before/while getting the answer, or while reading a started stream. */
  phase: "request" | "stream";
  /** Headers of the upstream's HTTP answer, when one came (for Retry-After). */
  headers?: Headers | undefined;
}

interface SdkResponseError {
  name: "ResponseError";
  error: string;
  status_code: number;
}

function isResponseError(error: unknown): error is SdkResponseError {
  if (typeof error !== "object" || error === null) return false;
  const e = error as Record<string, unknown>;
  return e.name === "ResponseError" && typeof e.status_code === "number";
}

export function toUpstreamError(error: unknown, ctx: ErrorContext): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const { provider } = ctx;
  if (ctx.signal.aborted) return abortedCallError(provider, ctx.signal, error);
  if (isResponseError(error)) {
    return new UpstreamError({
      provider,
      status: error.status_code,
      failure: "http",
      message: error.error,
      retryAfterMs: parseRetryAfter(ctx.headers?.get("retry-after"), ctx.headers?.get("retry-after-ms")),
      body: { message: error.error },
      cause: error,
    });
  }
  const detail = describe(error);
  if (ctx.phase === "stream") {
    return new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider} stream failed: ${detail}`, body: { message: detail }, cause: error });
  }
  return transportError(provider, error, ctx.signal);
}

/** fetch hides the socket error (ECONNREFUSED and the like) in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) return `${error.message} (${cause.message})`;
  return error.message;
}
