// Failures of Gemini calls as UpstreamError. The SDK throws ApiError for HTTP errors (its message
// is the upstream's JSON error body, `{error:{code,message,status,details}}`) and for an error
// event inside a stream ("got status: X. {json}"); fetch failures come through as they are.
import { ApiError } from "@google/genai";
import { abortedCallError } from "../aborted-call.ts";
import { UpstreamError, isRetryableStatus, type UpstreamErrorBody } from "../errors.ts";
import { transportError } from "../transport-error.ts";

export type CallPhase = "request" | "stream";

interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: unknown[];
}

// Statuses Google documents as worth retrying, whatever HTTP code a proxy put in front of them.
const RETRYABLE_STATUSES = new Set(["RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED"]);

export function toUpstreamError(provider: string, error: unknown, signal: AbortSignal, phase: CallPhase): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) return abortedCallError(provider, signal, error);
  if (error instanceof ApiError) {
    const google = parseGoogleError(error.message);
    const message = google?.message ?? error.message;
    const body: UpstreamErrorBody = { message, type: envelopeType(error.status, google?.status), code: google?.status ?? null, param: null };
    if (phase === "stream") {
      return new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider} stream failed: ${message}`, body, cause: error });
    }
    const status = error.status;
    return new UpstreamError({
      provider,
      status,
      failure: "http",
      message,
      retryable: isRetryableStatus(status, "http") || (google?.status !== undefined && RETRYABLE_STATUSES.has(google.status)),
      retryAfterMs: retryDelayMs(google?.details),
      body,
      cause: error,
    });
  }
  const detail = describe(error);
  if (phase === "stream") {
    return new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider} stream broke: ${detail}`, cause: error });
  }
  return transportError(provider, error, signal);
}

/** The `{error:{...}}` object inside an SDK error message, when there is one. */
export function parseGoogleError(message: string): GoogleError | undefined {
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    const inner = typeof parsed === "object" && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
    if (typeof inner !== "object" || inner === null) return undefined;
    const e = inner as Record<string, unknown>;
    return {
      ...(typeof e["code"] === "number" ? { code: e["code"] } : {}),
      ...(typeof e["message"] === "string" ? { message: e["message"] } : {}),
      ...(typeof e["status"] === "string" ? { status: e["status"] } : {}),
      ...(Array.isArray(e["details"]) ? { details: e["details"] } : {}),
    };
  } catch {
    return undefined;
  }
}

/** google.rpc.RetryInfo's `retryDelay` (a Duration such as "7s" or "0.5s"), in milliseconds. */
export function retryDelayMs(details: unknown[] | undefined): number | undefined {
  for (const detail of details ?? []) {
    if (typeof detail !== "object" || detail === null) continue;
    const d = detail as Record<string, unknown>;
    if (typeof d["@type"] !== "string" || !d["@type"].endsWith("google.rpc.RetryInfo")) continue;
    const match = typeof d["retryDelay"] === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(d["retryDelay"]) : null;
    if (match?.[1] !== undefined) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

/** The OpenAI envelope `type` for a Google error; Google's own status stays in `code`. */
function envelopeType(httpStatus: number, googleStatus: string | undefined): string {
  switch (googleStatus) {
    case "INVALID_ARGUMENT":
    case "FAILED_PRECONDITION":
    case "OUT_OF_RANGE":
      return "invalid_request_error";
    case "UNAUTHENTICATED":
      return "authentication_error";
    case "PERMISSION_DENIED":
      return "permission_error";
    case "NOT_FOUND":
      return "not_found_error";
    case "RESOURCE_EXHAUSTED":
      return "rate_limit_exceeded";
  }
  return httpStatus >= 400 && httpStatus < 500 ? "invalid_request_error" : "upstream_error";
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
