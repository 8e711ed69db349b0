// A front door as the pipeline sees it: one inbound API (OpenAI chat, OpenAI embeddings, ...)
// that turns its wire body into the canonical request and writes the canonical result back in
// its own framing. A door knows no provider; the pipeline knows no wire format.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { ResolvedKey } from "../config/types.ts";
import type { GatewayError } from "../http/errors.ts";
import type { RequestFeatures } from "../routing/features.ts";
import type { RoutedRequest } from "../routing/router.ts";
import type { Runtime } from "../runtime.ts";
import type { Redact } from "../telemetry/redact.ts";
import type { RequestRecord } from "../telemetry/request-record.ts";
import type { Operation } from "./operation.ts";

/** The `api` label and log field: one bounded word per front door. */
export type Api = "chat" | "embeddings" | "responses" | "messages";

/** Tokens an answer reported; answers that generate nothing (embeddings) have no completion count. */
export interface TokenUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens?: number;
}

/** What writing an answer showed, for limits, metrics and the log line. */
export interface WriteOutcome {
  usage: TokenUsage | undefined;
  /** When the first body byte was handed to the socket (performance.now()). */
  firstByteAt: number | undefined;
  /** The failure that ended a stream after it started, as the client was told it (secrets redacted). */
  streamError: Error | undefined;
  /** The client went away before the response was complete. */
  clientGone: boolean;
}

export interface WriteContext<Req> {
  readonly req: Req;
  /** Headers every response carries (request id, routing, rate limits). */
  readonly headers: Record<string, string>;
  /** Takes the configured secrets out of error text written mid-answer. */
  readonly redact: Redact;
}

/** What a door may read while parsing: stateful doors look up what a request refers to. */
export interface ParseContext {
  readonly runtime: Runtime;
  readonly key: ResolvedKey | undefined;
  /** The client's headers, for a door that forwards its own protocol's headers (front-door routes set them). */
  readonly headers?: IncomingHttpHeaders;
  /** The query string as sent (`?beta=true`), for a door that forwards it (front-door routes set it). */
  readonly search?: string;
}

/** An error response in a door's own envelope. */
export interface ErrorReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

/**
 * What routing reads of a request: the canonical request, and the client's texts when the door
 * forwards a wire body of its own; `features` when the door measures its own body (then `req`
 * need only carry the model and the routing hints).
 */
export interface Routed {
  readonly req: RoutedRequest;
  readonly texts?: Iterable<string>;
  readonly features?: RequestFeatures;
}

export interface FrontDoor<Req, Result> {
  readonly api: Api;
  /** The route under `/v1` (also served without the prefix). */
  readonly path: string;
  readonly operation: Operation<Req, Result>;
  /** Validates the parsed JSON body into the canonical request; a 400 naming the field otherwise. */
  parse(body: unknown, context: ParseContext): Req | Promise<Req>;
  /** The canonical request routing classifies, measures and plans for. */
  routed(req: Req): Routed;
  /** Renders an error in the door's own envelope (errors on its paths, auth included); OpenAI's otherwise. */
  renderError?(error: GatewayError, requestId: string): ErrorReply;
  /** Whether the client asked for a stream. */
  streams(req: Req): boolean;
  /** Puts the (redacted) request content on the log record; only with `logging.bodies: true`. */
  logBody(req: Req, record: RequestRecord): void;
  /** Wraps the result so its output text reaches the log record; only with `logging.bodies: true`. */
  logOutput(result: Result, record: RequestRecord): Result;
  /** Encodes the result onto the response (JSON or the door's stream framing). */
  write(res: ServerResponse, result: Result, context: WriteContext<Req>): Promise<WriteOutcome>;
}
