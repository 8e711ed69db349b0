// Azure's chunk stream as the writer expects it. Azure streams the OpenAI wire plus content
// filter annotation frames with empty id/object/model: the prompt's results before the first
// token (`choices: []`) and, with the asynchronous filter, per-choice results that have no
// `delta` and may carry the `content_filter` finish. Choice-less frames carry nothing an OpenAI
// client reads and break clients that index `choices[0]`, so they are dropped (the usage chunk
// is kept for the writer); the others are completed into valid chunks, annotations kept.
import type { ChatCompletionChunk } from "../types.ts";
import { UpstreamError } from "../errors.ts";
import { toUpstreamError } from "./errors.ts";

const CHUNK_OBJECT = "chat.completion.chunk";

export async function* azureChunks(
  source: AsyncIterable<ChatCompletionChunk>,
  provider: string,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const started = new Set<number>();
  const finished = new Set<number>();
  let last: ChatCompletionChunk | undefined;
  try {
    for await (const chunk of source) {
      const choices: unknown = chunk.choices;
      if (!Array.isArray(choices) || choices.length === 0) {
        if (chunk.usage) yield chunk;
        continue;
      }
      const isAnnotation = (chunk.object as string) !== CHUNK_OBJECT;
      if (!isAnnotation) last = chunk;
      const out = isAnnotation ? completeAnnotation(chunk, last) : chunk;
      for (const choice of out.choices) {
        started.add(choice.index);
        if (choice.finish_reason) finished.add(choice.index);
      }
      yield out;
    }
    // The SDK ends iteration quietly when its request is aborted, and when the body ends without
    // `[DONE]`: neither is a finished stream.
    if (signal.aborted) throw signal.reason;
    const unfinished = [...started].filter((index) => !finished.has(index));
    if (started.size === 0 || unfinished.length > 0) {
      const missing = started.size === 0 ? "any choice" : `a finish_reason for choice ${unfinished.join(", ")}`;
      throw new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider}: stream ended before ${missing}` });
    }
  } catch (error) {
    throw toUpstreamError(provider, error, signal, "stream");
  }
}

/** An annotation frame as a valid chunk of the stream it belongs to: ids from the last real chunk, an empty delta. */
export function completeAnnotation(chunk: ChatCompletionChunk, last: ChatCompletionChunk | undefined): ChatCompletionChunk {
  return {
    ...chunk,
    id: last?.id ?? chunk.id,
    object: CHUNK_OBJECT,
    created: last?.created ?? chunk.created,
    model: last?.model ?? chunk.model,
    choices: chunk.choices.map((choice) => {
      const delta: unknown = choice.delta;
      return delta === undefined || delta === null ? { ...choice, delta: {} } : choice;
    }),
  };
}
