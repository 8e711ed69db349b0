// Writes a Messages answer: the native lane's upstream bytes relayed as they arrive (JSON in one
// write, SSE chunk by chunk with backpressure), or the translated lane's canonical result as an
// Anthropic message or event stream, with pings while the upstream is silent. A failure after
// the head has gone out ends the stream with one `event: error`.
import type { ServerResponse } from "node:http";
import { toGatewayError } from "../../http/errors.ts";
import { writeChunk } from "../../http/socket-write.ts";
import { estimatePromptTokens } from "../../limits/tokens.ts";
import type { TokenUsage, WriteOutcome } from "../../pipeline/front-door.ts";
import type { ChatCompletionChunk, PassthroughResult } from "../../providers/types.ts";
import type { Redact } from "../../telemetry/redact.ts";
import { canonical } from "./canonical-result.ts";
import { errorEvent } from "./errors.ts";
import { messageEvents, PING, withPings } from "./events.ts";
import { toMessage, type AnswerContext } from "./from-chat.ts";
import type { MessagesResult } from "./operation.ts";
import { chatOf, type MessagesRequest } from "./request.ts";
import type { StreamEvent } from "./wire.ts";
import { relayedHeaders, sendWhole, wholeBody } from "../../http/relay-response.ts";

export interface MessagesReplyOptions {
  /** The request answered: a translated answer reports its model and reads its stop sequences. */
  readonly req: MessagesRequest;
  /** Headers every response carries (request id, routing, rate limits). */
  readonly headers: Record<string, string>;
  readonly redact: Redact;
  /** Silence on a translated stream after which a `ping` is sent. */
  readonly pingIntervalMs: number;
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

export async function writeMessages(res: ServerResponse, result: MessagesResult, options: MessagesReplyOptions): Promise<WriteOutcome> {
  if (result.lane === "native") return relay(res, result.result, options.headers, options.redact);
  const headers = addRequestId({ ...options.headers }, options.headers);
  const answer = canonical(result.result);
  if (answer.kind === "completion") {
    const context = answerContext(options.req, result, answer.completion.usage == null);
    const body = JSON.stringify(toMessage(answer.completion, context));
    res.writeHead(200, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
    return { usage: tokens(answer.completion.usage), firstByteAt: performance.now(), streamError: undefined, clientGone: false };
  }
  const outcome: WriteOutcome = { usage: undefined, firstByteAt: undefined, streamError: undefined, clientGone: false };
  const seen = watchUsage(answer.chunks, outcome);
  const events = withPings(messageEvents(seen, answerContext(options.req, result, true)), options.pingIntervalMs, PING);
  return stream(res, sse(events), headers, outcome, options.redact);
}

/**
 * The input estimate, when `estimated` says it is needed (a stream's message_start, an answer
 * without usage), is admission's when it made one; otherwise (no token limit applied, or the
 * answer came from the cache) the same estimate is made here, for the model that served.
 */
function answerContext(req: MessagesRequest, result: Extract<MessagesResult, { lane: "translated" }>, estimated: boolean): AnswerContext {
  // A translated answer: the translation was built to send it.
  const chat = chatOf(req);
  const stop = chat.stop;
  const stopSequences = typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop : [];
  const inputTokens = result.inputTokens ?? (estimated ? estimatePromptTokens(chat, result.model ?? req.model) : 0);
  return { model: req.model, stopSequences, inputTokens };
}

/** Anthropic names the request id `request-id`: the gateway's own `x-request-id`, set on `headers` beside it. */
function addRequestId<T extends Record<string, string | string[]>>(headers: T, gateway: Record<string, string>): T {
  (headers as Record<string, string | string[]>)["request-id"] = gateway["x-request-id"] ?? "";
  return headers;
}

async function relay(res: ServerResponse, result: PassthroughResult, gateway: Record<string, string>, redact: Redact): Promise<WriteOutcome> {
  // The upstream's headers (a fresh object) with the gateway's over them, built once.
  const headers = addRequestId(relayedHeaders(result.headers, gateway), gateway);
  if (Array.isArray(result.body)) {
    const firstByteAt = sendWhole(res, result.status, headers, wholeBody(result.body as readonly Uint8Array[]));
    return { usage: await result.usage, firstByteAt, streamError: undefined, clientGone: false };
  }
  const outcome: WriteOutcome = { usage: undefined, firstByteAt: undefined, streamError: undefined, clientGone: false };
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  await stream(res, result.body as AsyncIterable<Uint8Array>, headers, outcome, redact);
  outcome.usage = await result.usage;
  return outcome;
}

async function stream(
  res: ServerResponse,
  body: AsyncIterable<Uint8Array | string>,
  headers: Record<string, string | string[]>,
  outcome: WriteOutcome,
  redact: Redact,
): Promise<WriteOutcome> {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  res.flushHeaders();
  try {
    for await (const chunk of body) {
      outcome.firstByteAt ??= performance.now();
      if (!(await writeChunk(res, chunk))) {
        outcome.clientGone = true;
        return outcome;
      }
    }
    res.end();
  } catch (error) {
    if (res.destroyed || res.writableEnded) {
      outcome.clientGone = true;
      return outcome;
    }
    const failure = toGatewayError(error, redact);
    outcome.streamError = failure;
    res.end(errorEvent(failure));
  }
  return outcome;
}

async function* sse(events: AsyncIterable<StreamEvent>): AsyncGenerator<string> {
  for await (const event of events) yield `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

async function* watchUsage(chunks: AsyncIterable<ChatCompletionChunk>, outcome: WriteOutcome): AsyncGenerator<ChatCompletionChunk> {
  for await (const chunk of chunks) {
    if (chunk.usage) outcome.usage = tokens(chunk.usage);
    yield chunk;
  }
}

function tokens(usage: { prompt_tokens: number; completion_tokens: number } | undefined): TokenUsage | undefined {
  return usage ? { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens } : undefined;
}
