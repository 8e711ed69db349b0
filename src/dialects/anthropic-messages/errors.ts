// Errors in Anthropic's envelope, `{"type":"error","error":{type,message},"request_id"}`, with
// its statuses and types. An upstream's own error keeps its status, type and words (Claude Code
// recovers by matching on them); the gateway's own are given the type their status has there.
import { GatewayError } from "../../http/errors.ts";
import { UpstreamError } from "../../providers/errors.ts";
import type { ErrorReply } from "../../pipeline/front-door.ts";

const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};
const ANTHROPIC_TYPES = new Set(Object.values(TYPE_BY_STATUS));
/** Anthropic's status for an overloaded upstream; the gateway reports it when that is all that failed. */
const OVERLOADED = 529;

export interface MessagesError {
  type: "error";
  error: { type: string; message: string };
}

export function renderMessagesError(error: GatewayError, requestId: string): ErrorReply {
  const status = overloaded(error) ? OVERLOADED : error.status;
  return {
    status,
    body: { ...envelope(typeOf(error, status), error.message), request_id: requestId },
    headers: { "request-id": requestId },
  };
}

/** The `event: error` frame that ends a stream which failed after it started. */
export function errorEvent(error: GatewayError): string {
  const status = overloaded(error) ? OVERLOADED : error.status;
  return `event: error\ndata: ${JSON.stringify(envelope(typeOf(error, status), error.message))}\n\n`;
}

function envelope(type: string, message: string): MessagesError {
  return { type: "error", error: { type, message } };
}

/** An upstream's own Anthropic type is kept; the gateway's errors take the type of their status. */
function typeOf(error: GatewayError, status: number): string {
  if (error.cause instanceof UpstreamError && ANTHROPIC_TYPES.has(error.type)) return error.type;
  return typeFor(status);
}

function typeFor(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** Every target failed and the last was overloaded: the client hears 529, as from Anthropic itself. */
function overloaded(error: GatewayError): boolean {
  const cause: unknown = error.cause;
  return error.status >= 500 && cause instanceof UpstreamError && (cause.status === OVERLOADED || cause.body?.type === "overloaded_error");
}
