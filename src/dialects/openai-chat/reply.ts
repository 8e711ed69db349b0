// Writes a ChatResult straight to the Node response: JSON in one write, SSE chunk by chunk
// with backpressure, upstream bytes relayed as they come. A failure after the head has gone
// out ends the stream with one error event and no [DONE], so clients never mistake a cut
// stream for a complete one.
import type { ServerResponse } from "node:http";
import type { ChatCompletionChunk, ChatResult, Usage } from "../../providers/types.ts";
import type { Redact } from "../../telemetry/redact.ts";
import { toGatewayError } from "../../http/errors.ts";
import { isPushed, relayPushed, writeChunk } from "../../http/socket-write.ts";
import type { WriteOutcome } from "../../pipeline/front-door.ts";
import { relayedHeaders, sendWhole, wholeBody } from "../../http/relay-response.ts";

export interface ReplyOptions {
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** Headers every response carries (request id, routing, rate limits). */
  headers: Record<string, string>;
  /** Takes the configured secrets out of an error event's text. */
  redact: Redact;
}

export type ReplyOutcome = WriteOutcome;

// No `connection` header: Node sets keep-alive or close from what the client asked, and a
// fixed `keep-alive` here would override a client's `Connection: close`.
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};
const DONE = "data: [DONE]\n\n";

export async function writeResult(res: ServerResponse, result: ChatResult, options: ReplyOptions): Promise<ReplyOutcome> {
  if (result.kind === "completion") {
    const body = JSON.stringify(result.completion);
    res.writeHead(200, { ...options.headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
    const u = result.completion.usage;
    return { usage: u ? pickUsage(u) : undefined, firstByteAt: performance.now(), streamError: undefined, clientGone: false };
  }
  if (result.kind === "stream") return writeChunks(res, result.chunks, options);
  return relay(res, result, options);
}

async function writeChunks(res: ServerResponse, chunks: AsyncIterable<ChatCompletionChunk>, options: ReplyOptions): Promise<ReplyOutcome> {
  const outcome: ReplyOutcome = { usage: undefined, firstByteAt: undefined, streamError: undefined, clientGone: false };
  res.writeHead(200, { ...options.headers, ...SSE_HEADERS });
  res.flushHeaders();
  try {
    for await (const chunk of chunks) {
      if (chunk.usage) {
        outcome.usage = pickUsage(chunk.usage);
        if (chunk.choices.length === 0 && !options.includeUsage) continue;
      }
      outcome.firstByteAt ??= performance.now();
      if (!(await writeChunk(res, `data: ${JSON.stringify(options.includeUsage ? chunk : withoutUsage(chunk))}\n\n`))) {
        outcome.clientGone = true;
        return outcome;
      }
    }
    res.end(DONE);
  } catch (error) {
    endWithError(res, error, outcome, options.redact);
  }
  return outcome;
}

async function relay(res: ServerResponse, result: Extract<ChatResult, { kind: "passthrough" }>, options: ReplyOptions): Promise<ReplyOutcome> {
  const outcome: ReplyOutcome = { usage: undefined, firstByteAt: undefined, streamError: undefined, clientGone: false };
  const headers = relayedHeaders(result.headers, options.headers);
  if (Array.isArray(result.body)) {
    outcome.firstByteAt = sendWhole(res, result.status, headers, wholeBody(result.body as readonly Uint8Array[]));
    outcome.usage = await result.usage;
    return outcome;
  }
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  res.writeHead(result.status, headers);
  if (isPushed(result.body)) {
    const sent = await relayPushed(res, result.body);
    outcome.firstByteAt = sent.firstByteAt;
    outcome.clientGone = sent.clientGone;
    if (sent.error !== undefined) endWithError(res, sent.error, outcome, options.redact);
    outcome.usage = await result.usage;
    return outcome;
  }
  res.flushHeaders();
  try {
    for await (const chunk of result.body as AsyncIterable<Uint8Array>) {
      outcome.firstByteAt ??= performance.now();
      if (!(await writeChunk(res, chunk))) {
        outcome.clientGone = true;
        break;
      }
    }
    if (!outcome.clientGone) res.end();
  } catch (error) {
    endWithError(res, error, outcome, options.redact);
  }
  outcome.usage = await result.usage;
  return outcome;
}

function endWithError(res: ServerResponse, error: unknown, outcome: ReplyOutcome, redact: Redact): void {
  if (res.destroyed || res.writableEnded) {
    outcome.clientGone = true;
    return;
  }
  const failure = toGatewayError(error, redact);
  outcome.streamError = failure;
  res.end(`data: ${JSON.stringify(failure.envelope)}\n\n`);
}

function withoutUsage(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (chunk.usage === undefined) return chunk;
  const { usage: _usage, ...rest } = chunk;
  return rest;
}

function pickUsage(u: Usage): Usage {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens };
}
