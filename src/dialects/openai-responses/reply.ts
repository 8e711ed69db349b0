// Writes a Responses answer. Translated lane: a Response object (JSON) or its event stream,
// stored (when `store` is on) before the terminal event is sent, so a follow-up that arrives the
// moment the client has the answer finds it. Native lane: the upstream's bytes relayed as they
// come, the response id noted (which provider holds it) before the bytes naming it go out.
import { writeChunk } from "../../http/socket-write.ts";
import type { ServerResponse } from "node:http";
import { toGatewayError } from "../../http/errors.ts";
import type { WriteOutcome } from "../../pipeline/front-door.ts";
import { canonicalChat } from "../../providers/canonical-chat.ts";
import type { ChatCompletionChunk, PassthroughResult } from "../../providers/types.ts";
import type { Redact } from "../../telemetry/redact.ts";
import { completionChunk, ResponseBuilder, type StreamEvent } from "./builder.ts";
import { responseShell, type ResponsesCall } from "./call.ts";
import type { ResponsesResult } from "./operation.ts";
import type { ResponseObject } from "./wire.ts";
import { relayedHeaders, sendWhole, wholeBody } from "../../http/relay-response.ts";

export interface ReplyContext {
  readonly call: ResponsesCall;
  readonly headers: Record<string, string>;
  readonly redact: Redact;
}

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

export async function writeResponses(res: ServerResponse, served: ResponsesResult, context: ReplyContext): Promise<WriteOutcome> {
  if (served.lane === "native") return relay(res, served.result, served.provider, context);
  const canonical = canonicalChat(served.result, served.provider);
  const builder = new ResponseBuilder(responseShell(context.call), { namespaced: context.call.translation.namespaced });
  if (canonical.kind === "completion") {
    builder.push(completionChunk(canonical.completion));
    builder.finish();
    const response = builder.response;
    await save(context.call, response);
    const body = JSON.stringify(response);
    res.writeHead(200, { ...context.headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
    return { usage: usageOf(response), firstByteAt: performance.now(), streamError: undefined, clientGone: false };
  }
  return stream(res, canonical.chunks, builder, context);
}

async function stream(res: ServerResponse, chunks: AsyncIterable<ChatCompletionChunk>, builder: ResponseBuilder, context: ReplyContext): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { usage: undefined, firstByteAt: undefined, streamError: undefined, clientGone: false };
  res.writeHead(200, { ...context.headers, ...SSE_HEADERS });
  res.flushHeaders();
  const send = async (events: StreamEvent[]): Promise<boolean> => {
    for (const event of events) {
      outcome.firstByteAt ??= performance.now();
      if (!(await writeChunk(res, sseFrame(event)))) return false;
    }
    return true;
  };
  try {
    if (!(await send(builder.start()))) return gone(outcome, builder);
    for await (const chunk of chunks) if (!(await send(builder.push(chunk)))) return gone(outcome, builder);
    const closing = builder.finish();
    const terminal = closing.pop() as StreamEvent;
    if (!(await send(closing))) return gone(outcome, builder);
    await save(context.call, builder.response);
    outcome.usage = usageOf(builder.response);
    if (!(await send([terminal]))) return gone(outcome, builder);
    res.end();
  } catch (error) {
    if (res.destroyed || res.writableEnded) return gone(outcome, builder);
    const failure = toGatewayError(error, context.redact);
    outcome.streamError = failure;
    outcome.usage = usageOf(builder.response);
    const code = failure.code === "context_length_exceeded" ? failure.code : failure.status === 429 ? "rate_limit_exceeded" : "server_error";
    const event = builder.fail(code, failure.message);
    res.end(sseFrame(event));
  }
  return outcome;
}

/** One event as the Responses API frames it: its type on the `event:` line, the event as `data:`. */
export const sseFrame = (event: StreamEvent): string => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

function gone(outcome: WriteOutcome, builder: ResponseBuilder): WriteOutcome {
  outcome.clientGone = true;
  outcome.usage ??= usageOf(builder.response);
  return outcome;
}

async function save(call: ResponsesCall, response: ResponseObject): Promise<void> {
  if (!call.wire.store) return;
  await call.responses.save(call.owner, { response, input: call.conversation.input }, call.ttlS);
}

function usageOf(response: ResponseObject): WriteOutcome["usage"] {
  const usage = response.usage;
  return usage ? { prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens } : undefined;
}

const RESPONSE_ID = /"id"\s*:\s*"(resp_[^"]+)"/;
/** Where the id must have appeared by: it is the first field of the opening event's response. */
const ID_WINDOW = 4096;

async function relay(res: ServerResponse, result: PassthroughResult, provider: string, context: ReplyContext): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { usage: undefined, firstByteAt: undefined, streamError: undefined, clientGone: false };
  const { call } = context;
  // Only a stored answer's id is noted: otherwise no bytes are read for it.
  const storing = call.wire.store && result.status < 400;
  const remember = async (text: string) => {
    const id = RESPONSE_ID.exec(text)?.[1];
    if (id !== undefined) await call.responses.remember(call.owner, id, provider, call.ttlS);
    return id !== undefined;
  };
  // The upstream's headers (a fresh object) with the gateway's over them, built once.
  const headers = relayedHeaders(result.headers, context.headers);
  if (Array.isArray(result.body)) {
    const body = wholeBody(result.body as readonly Uint8Array[]);
    if (storing) await remember(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8", 0, Math.min(body.byteLength, ID_WINDOW)));
    outcome.firstByteAt = sendWhole(res, result.status, headers, body);
    outcome.usage = await result.usage;
    return outcome;
  }
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  res.writeHead(result.status, headers);
  res.flushHeaders();
  let head = "";
  let found = false;
  let sequence = -1;
  try {
    for await (const chunk of result.body as AsyncIterable<Uint8Array>) {
      if (storing && !found && head.length < ID_WINDOW) {
        head += Buffer.from(chunk).toString("utf8");
        found = await remember(head);
      }
      sequence = lastSequence(chunk) ?? sequence;
      outcome.firstByteAt ??= performance.now();
      if (!(await writeChunk(res, chunk))) {
        outcome.clientGone = true;
        break;
      }
    }
    if (!outcome.clientGone) res.end();
  } catch (error) {
    if (res.destroyed || res.writableEnded) {
      outcome.clientGone = true;
    } else {
      const failure = toGatewayError(error, context.redact);
      outcome.streamError = failure;
      const event = { type: "error", code: failure.code ?? "server_error", message: failure.message, param: null, sequence_number: sequence + 1 };
      res.end(`event: error\ndata: ${JSON.stringify(event)}\n\n`);
    }
  }
  outcome.usage = await result.usage;
  return outcome;
}

const SEQUENCE = Buffer.from('"sequence_number":');

/** The last sequence number in a relayed chunk, so an error event the gateway adds follows it. */
function lastSequence(chunk: Uint8Array): number | undefined {
  const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const at = bytes.lastIndexOf(SEQUENCE);
  if (at === -1) return undefined;
  const digits = /^\s*(\d+)/.exec(bytes.toString("latin1", at + SEQUENCE.length, at + SEQUENCE.length + 24))?.[1];
  return digits === undefined ? undefined : Number(digits);
}
