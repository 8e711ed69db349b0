// The chat operation: one chat call per target, committed only once a stream's first real
// output has arrived (so a stream that fails before its first byte still falls back), and
// metered so a stream cut short is charged for what it delivered.
import { estimatePromptTokens, promptTokenBound } from "../../limits/tokens.ts";
import { RelayedIterator } from "../../providers/relayed-iterator.ts";
import type { ChatCompletionChunk, ChatRequest, ChatResult, PassthroughResult } from "../../providers/types.ts";
import { RelayedStream, type ChunkStage } from "../../providers/relayed-stream.ts";
import { withoutRoutingHints } from "../../routing/hints.ts";
import type { Admission } from "../admit.ts";
import type { Operation } from "../operation.ts";

export const chatOperation: Operation<ChatRequest, ChatResult> = {
  kind: "chat",
  call(adapter, req, model, options) {
    return adapter.chat(req, model, options).then(untilFirstChunk);
  },
  upstreamRequest: withoutRoutingHints,
  promptTokens: estimatePromptTokens,
  promptTokenBound,
  completionBudget(req, defaultMaxTokens) {
    // Every choice of `n` may use the whole completion budget. Clients still send the older
    // max_tokens, and it bounds the completion just the same.
    return (req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens) * (req.n ?? 1);
  },
  meter(result, admission) {
    if (!admission.counted) return result;
    if (result.kind === "stream") return { ...result, chunks: countingChunks(result.chunks, admission) };
    if (result.kind === "passthrough" && !Array.isArray(result.body)) {
      const body = result.body as AsyncIterable<Uint8Array>;
      if (body instanceof RelayedStream) return { ...result, body: body.through(eventCounter(admission)) };
      return { ...result, body: countingEvents(body, admission) };
    }
    return result;
  },
};

/**
 * Waits for a stream's first real output (text, a tool call, a finish) so that a failure before
 * it can still fall back: a role-only opening chunk commits nothing yet.
 */
export function untilFirstChunk(result: ChatResult): ChatResult | Promise<ChatResult> {
  if (result.kind === "completion") return result;
  if (result.kind === "stream") return primed(result.chunks, hasOutput).then((chunks) => ({ ...result, chunks }));
  return primedPassthrough(result);
}

/**
 * Relayed bytes are committed with their first chunk: a failure before it can still fall back.
 * A whole answer (an array of chunks) is committed as it is, without a promise around it.
 */
export function primedPassthrough(result: PassthroughResult): PassthroughResult | Promise<PassthroughResult> {
  if (Array.isArray(result.body)) return result;
  if (result.body instanceof RelayedStream) return result.body.ready().then(() => result);
  return primed(result.body as AsyncIterable<Uint8Array>, () => true).then((body) => ({ ...result, body }));
}

function hasOutput(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage) return true;
  return chunk.choices.some((c) => c.finish_reason !== null || Boolean(c.delta.content) || (c.delta.tool_calls?.length ?? 0) > 0 || Boolean(c.delta.refusal));
}

/** Reads ahead until `ready` holds (or the stream ends), then replays what it read. */
async function primed<T>(source: AsyncIterable<T>, ready: (item: T) => boolean): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const buffered: IteratorResult<T>[] = [];
  for (;;) {
    const next = await iterator.next();
    buffered.push(next);
    if (next.done === true || ready(next.value)) break;
  }
  return {
    [Symbol.asyncIterator]() {
      return {
        next: () => {
          const read = buffered.shift();
          return read === undefined ? iterator.next() : Promise.resolve(read);
        },
        return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined as T }),
      };
    },
  };
}

/** Counts what a stream delivers as the writer reads it. */
function countingChunks(source: AsyncIterable<ChatCompletionChunk>, admission: Admission): AsyncIterable<ChatCompletionChunk> {
  return new RelayedIterator(source, { item: () => (admission.delivered += 1) });
}

function countingEvents(source: AsyncIterable<Uint8Array>, admission: Admission): AsyncIterable<Uint8Array> {
  return new RelayedIterator(source, { item: (chunk) => (admission.delivered += sseEvents(chunk)) });
}

/** The same count as countingEvents, as a stage of a pushed stream. */
function eventCounter(admission: Admission): ChunkStage {
  return {
    chunk(bytes) {
      admission.delivered += sseEvents(bytes);
      return bytes;
    },
  };
}

const DATA = Buffer.from("data:");

function sseEvents(chunk: Uint8Array): number {
  const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let count = 0;
  for (let at = bytes.indexOf(DATA); at !== -1; at = bytes.indexOf(DATA, at + DATA.length)) count += 1;
  return count;
}
