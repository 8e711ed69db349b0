// Any error a request ended with, as the response its path gives: the door's own envelope on a
// door's paths, the OpenAI one elsewhere. Used by Hono's error handler and the direct door
// listener alike, so a refusal reads the same whichever path served it.
import type { ServerResponse } from "node:http";
import type { ErrorReply } from "../pipeline/front-door.ts";
import { RoutingError } from "../routing/routing-error.ts";
import type { RuntimeSource } from "../runtime.ts";
import type { Logger } from "../telemetry/logger.ts";
import { loggableError } from "../telemetry/redact.ts";
import type { RequestRecord } from "./context.ts";
import { errorHeaders, toGatewayError, type GatewayError } from "./errors.ts";

export type ErrorRenderer = (error: GatewayError, requestId: string) => ErrorReply;

export interface FailedRequest {
  readonly path: string;
  readonly requestId: string;
  /** Absent only if the request failed before its record was made. */
  readonly record: RequestRecord | undefined;
  readonly replyHeaders: Record<string, string>;
  readonly outgoing: ServerResponse;
}

export interface ErrorAnswer {
  readonly status: number;
  readonly body: unknown;
  /** Without the reply headers' later additions (budget): the caller puts those on last. */
  readonly headers: Record<string, string>;
}

export function errorAnswerer(source: RuntimeSource, logger: Logger, renderers: ReadonlyMap<string, ErrorRenderer>) {
  /** The response for `err`; undefined when the response had started and was cut instead. */
  return function errorAnswer(err: unknown, at: FailedRequest): ErrorAnswer | undefined {
    const { redact } = source.current;
    const error = toGatewayError(err, redact);
    const { record } = at;
    if (record) record.error = error.message;
    // A policy refusal still names the rule that refused, in the header, the log and the metrics.
    if (err instanceof RoutingError && err.rule !== undefined) {
      at.replyHeaders["x-llm-route"] = err.rule;
      if (record) record.route = err.rule;
    }
    if (error.status >= 500 && error.type === "server_error") logger.error({ err: loggableError(err, redact), requestId: at.requestId }, "unhandled error");
    if (at.outgoing.headersSent) {
      // The response already started: nothing valid can follow, so cut it.
      at.outgoing.destroy();
      return undefined;
    }
    const headers = { ...at.replyHeaders, ...errorHeaders(error) };
    const render = renderers.get(at.path);
    if (!render) return { status: error.status, body: error.envelope, headers };
    const reply = render(error, at.requestId);
    return { status: reply.status, body: reply.body, headers: { ...headers, ...reply.headers } };
  };
}
