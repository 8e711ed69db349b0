// Failures where no usable HTTP answer came back (refused, reset, DNS, TLS, aborted) as
// UpstreamError, for adapters that talk to their upstream over undici directly or through an SDK.
import { UpstreamError } from "./errors.ts";

export function transportError(provider: string, error: unknown, signal: AbortSignal): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) {
    return new UpstreamError({ provider, status: 499, failure: "aborted", message: "request aborted", cause: error });
  }
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError({
    provider,
    status: 502,
    failure: "connection",
    message: `connection to upstream failed${code === undefined ? "" : ` (${code})`}: ${message}`,
    cause: error,
  });
}

/** The socket error's code; fetch and the SDKs wrap it in `cause` one or two levels down. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    current = cause;
  }
  return undefined;
}
