// The OpenAI error envelope, and the one place any thrown error becomes a client response.
import { UpstreamError } from "../providers/errors.ts";
import { GatewayInputError } from "../providers/input-error.ts";
import { isProviderSideStatus, PlanFailedError } from "../routing/plan-failed.ts";
import { RoutingError } from "../routing/routing-error.ts";
import type { Redact } from "../telemetry/redact.ts";

/** The error types the gateway itself produces; upstream types pass through as they are. */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_exceeded"
  | "upstream_error"
  | "timeout_error"
  | "service_unavailable"
  | "server_error";

export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface GatewayErrorInit {
  param?: string | undefined;
  code?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** Whether the client may retry the same request (sets `x-should-retry`). */
  retryable?: boolean | undefined;
  cause?: unknown;
}

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly status: number;
  readonly type: string;
  readonly param: string | undefined;
  readonly code: string | undefined;
  readonly headers: Record<string, string>;
  readonly retryable: boolean;

  constructor(status: number, type: string, message: string, init: GatewayErrorInit = {}) {
    super(message, { cause: init.cause });
    this.status = status;
    this.type = type;
    this.param = init.param;
    this.code = init.code;
    this.headers = init.headers ?? {};
    this.retryable = init.retryable ?? (status === 429 || status >= 500);
  }

  get envelope(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, param: this.param ?? null, code: this.code ?? null } };
  }
}

export const invalidRequest = (message: string, param?: string, code?: string) =>
  new GatewayError(400, "invalid_request_error", message, { param, code });

/**
 * Any thrown value as a client error; unknown errors are 500s with no internals leaked. Text an
 * upstream wrote goes through `redact`, since an upstream may echo the credential it was sent.
 */
export function toGatewayError(error: unknown, redact: Redact): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof GatewayInputError) {
    return new GatewayError(400, "invalid_request_error", error.message, { param: error.param, code: error.code, cause: error });
  }
  if (error instanceof RoutingError) return fromRouting(error);
  if (error instanceof PlanFailedError) return fromUpstream(error.errors, error.skipped, redact);
  if (error instanceof UpstreamError) return fromUpstream([error], [], redact);
  return new GatewayError(500, "server_error", "internal error", { cause: error });
}

/** The client-facing error once every target failed; `errors` in the order they happened. */
export function fromUpstream(errors: readonly UpstreamError[], skipped: readonly string[], redact: Redact): GatewayError {
  const last = errors.at(-1);
  const tried = [...new Set(errors.map((e) => e.provider))];
  const triedText = tried.length > 0 ? ` (tried: ${tried.join(", ")})` : "";
  if (!last) {
    // Retrying cannot help until an operator acts (a secret to set, a breaker to close).
    return new GatewayError(503, "service_unavailable", redact(`no provider available: ${skipped.join("; ") || "none configured"}`), {
      code: "no_provider_available",
      retryable: false,
    });
  }
  // A 4xx that is about the request itself keeps its status and the upstream's own words.
  if (last.failure === "http" && last.status >= 400 && last.status < 500 && !last.retryable && !isProviderSideStatus(last.status)) {
    const { type, message, param, code } = last.body ?? { message: last.message };
    return new GatewayError(last.status, redact(type ?? "invalid_request_error"), redact(message), {
      param: param === null || param === undefined ? undefined : redact(param),
      code: code === null || code === undefined ? undefined : redact(String(code)),
      retryable: false,
      cause: last,
    });
  }
  if (errors.every((e) => e.failure === "http" && e.status === 429)) {
    const headers: Record<string, string> = {};
    if (last.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(last.retryAfterMs / 1000)));
    return new GatewayError(429, "rate_limit_exceeded", redact(`upstream rate limit reached${triedText}: ${last.message}`), {
      code: "upstream_rate_limited",
      headers,
      cause: last,
    });
  }
  if (errors.every((e) => e.failure === "timeout")) {
    return new GatewayError(504, "timeout_error", `upstream timed out${triedText}`, { code: "upstream_timeout", cause: last });
  }
  const skippedText = skipped.length > 0 ? `; skipped: ${skipped.join("; ")}` : "";
  return new GatewayError(502, "upstream_error", redact(`upstream failed${triedText}: ${last.message}${skippedText}`), {
    code: "upstream_error",
    cause: last,
  });
}

export function errorHeaders(error: GatewayError): Record<string, string> {
  return { ...error.headers, "x-should-retry": error.retryable ? "true" : "false" };
}

function fromRouting(error: RoutingError): GatewayError {
  const init = { param: error.param, retryable: false, cause: error };
  switch (error.refusal) {
    case "unknown_model":
      return new GatewayError(404, "invalid_request_error", error.message, { ...init, code: "model_not_found" });
    case "model_not_allowed":
      return new GatewayError(403, "permission_error", error.message, { ...init, code: "model_not_allowed" });
    case "policy_empty_plan":
      return new GatewayError(403, "permission_error", error.message, { ...init, code: "routing_policy_denied" });
    case "no_default":
    case "invalid_header":
    case "wrong_kind":
      return new GatewayError(400, "invalid_request_error", error.message, { ...init, code: error.refusal });
  }
}
