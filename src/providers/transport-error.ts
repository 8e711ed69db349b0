// Failures where no usable HTTP answer came back (refused, reset, DNS, TLS, aborted) as
// UpstreamError, for adapters that talk to their upstream over undici directly or through an SDK.
// The message names the provider and the socket error's code, never the socket's text: that
// carries internal addresses ("connect ECONNREFUSED 10.0.3.7:8000"), and clients read it.
import { UpstreamError } from "./errors.ts";

export function transportError(provider: string, error: unknown, signal: AbortSignal): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) {
    return new UpstreamError({ provider, status: 499, failure: "aborted", message: "request aborted", cause: error });
  }
  const code = errorCode(error);
  return new UpstreamError({
    provider,
    status: 502,
    failure: "connection",
    message: `${provider}: connection failed${code === undefined ? "" : ` (${code})`}`,
    cause: error,
  });
}

/**
 * The socket error's code (ECONNREFUSED, UND_ERR_SOCKET, ...); fetch and the SDKs wrap it in
 * `cause` one or two levels down. Only code-shaped values: a code is a fixed word, not free text.
 */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
    current = cause;
  }
  return undefined;
}
