// OpenAI-style error answers as UpstreamError.
import type { IncomingHttpHeaders } from "node:http";
import { parseErrorEnvelope } from "../error-envelope.ts";
import { parseRetryAfter, UpstreamError } from "../errors.ts";

export function httpError(provider: string, status: number, headers: IncomingHttpHeaders, text: string): UpstreamError {
  const body = parseErrorEnvelope(text);
  return new UpstreamError({
    provider,
    status,
    failure: "http",
    message: body?.message ?? `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}`,
    retryAfterMs: parseRetryAfter(headers["retry-after"], headers["retry-after-ms"]),
    body,
  });
}
