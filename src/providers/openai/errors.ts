// undici failures and OpenAI-style error bodies as UpstreamError.
import type { IncomingHttpHeaders } from "node:http";
import { parseRetryAfter, UpstreamError, type UpstreamErrorBody } from "../errors.ts";

export function httpError(provider: string, status: number, headers: IncomingHttpHeaders, text: string): UpstreamError {
  const body = parseErrorBody(text);
  return new UpstreamError({
    provider,
    status,
    failure: "http",
    message: body?.message ?? `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}`,
    retryAfterMs: parseRetryAfter(headers["retry-after"], headers["retry-after-ms"]),
    body,
  });
}

export function transportError(provider: string, error: unknown, signal: AbortSignal): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) {
    return new UpstreamError({ provider, status: 499, failure: "aborted", message: "request aborted", cause: error });
  }
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError({
    provider,
    status: 502,
    failure: "connection",
    message: `connection to upstream failed${typeof code === "string" ? ` (${code})` : ""}: ${message}`,
    cause: error,
  });
}

function parseErrorBody(text: string): UpstreamErrorBody | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const err = (parsed as { error?: unknown }).error;
    if (typeof err === "string") return { message: err };
    if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") {
      const e = err as { message: string; type?: unknown; param?: unknown; code?: unknown };
      return {
        message: e.message,
        type: typeof e.type === "string" ? e.type : undefined,
        param: typeof e.param === "string" ? e.param : null,
        code: typeof e.code === "string" || typeof e.code === "number" ? e.code : null,
      };
    }
  } catch {
    // not JSON: the caller falls back to the raw text
  }
  return undefined;
}
