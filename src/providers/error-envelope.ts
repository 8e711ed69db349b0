// The OpenAI error envelope as upstreams speaking the OpenAI wire send it (OpenAI, Azure OpenAI,
// vLLM and the like): `{"error": {message, type, param, code}}`, sometimes `{"error": "text"}`.
import type { UpstreamErrorBody } from "./errors.ts";

/** The envelope's `error` member (already unwrapped) as an UpstreamErrorBody. */
export function errorBodyOf(error: unknown): UpstreamErrorBody | undefined {
  if (typeof error === "string") return { message: error };
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { message?: unknown; type?: unknown; param?: unknown; code?: unknown };
  if (typeof e.message !== "string") return undefined;
  return {
    message: e.message,
    type: typeof e.type === "string" ? e.type : undefined,
    param: typeof e.param === "string" ? e.param : null,
    code: typeof e.code === "string" || typeof e.code === "number" ? e.code : null,
  };
}

/** A whole error response body as text; undefined when it is not the envelope. */
export function parseErrorEnvelope(text: string): UpstreamErrorBody | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    return errorBodyOf((parsed as { error?: unknown }).error);
  } catch {
    // not JSON: the caller falls back to the raw text
    return undefined;
  }
}
