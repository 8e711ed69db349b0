// The OpenAI response shapes every translating adapter emits: the chat.completion envelope, its
// assistant choice, and the chat.completion.chunk kinds a translated stream is made of. Pure but
// for newResponseMeta, which mints the id and timestamp.
import { randomUUID } from "node:crypto";
import type { ChatCompletionMessageToolCall } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { ChatCompletion, ChatCompletionChunk } from "./types.ts";

/** What every object of one translated response is stamped with. */
export interface ResponseMeta {
  /** `chatcmpl-…`, one per response, shared by all its chunks. */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The public model name the client asked for. */
  model: string;
}

/** The reasons a translated choice ends with (`function_call` is the deprecated pre-tools one). */
export type FinishReason = Exclude<ChatCompletion.Choice["finish_reason"], "function_call">;

export function newResponseMeta(model: string, now: number = Date.now()): ResponseMeta {
  return { id: `chatcmpl-${randomUUID().replaceAll("-", "")}`, created: Math.floor(now / 1000), model };
}

export function completion(meta: ResponseMeta, choices: ChatCompletion.Choice[], usage?: CompletionUsage): ChatCompletion {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices,
    ...(usage ? { usage } : {}),
  };
}

/** An answer that is only tool calls has `content: null`; `tool_calls` appears only when there are some. */
export function assistantChoice(
  index: number,
  content: string | null,
  toolCalls: ChatCompletionMessageToolCall[],
  finishReason: FinishReason,
): ChatCompletion.Choice {
  const calls = toolCalls.length > 0;
  return {
    index,
    message: {
      role: "assistant",
      content: calls && content === "" ? null : content,
      refusal: null,
      ...(calls ? { tool_calls: toolCalls } : {}),
    },
    logprobs: null,
    finish_reason: finishReason,
  };
}

type Delta = ChatCompletionChunk.Choice.Delta;

/** Which choice a chunk speaks for (`n` > 1 gives several). */
export interface ChunkSlot {
  readonly index: number;
}

const FIRST: ChunkSlot = { index: 0 };

export function deltaChunk(meta: ResponseMeta, delta: Delta, finishReason: FinishReason | null = null, slot: ChunkSlot = FIRST): ChatCompletionChunk {
  return { ...envelope(meta), choices: [{ index: slot.index, delta, logprobs: null, finish_reason: finishReason }] };
}

/** The first chunk of a choice. */
export function roleChunk(meta: ResponseMeta, slot?: ChunkSlot): ChatCompletionChunk {
  return deltaChunk(meta, { role: "assistant", content: "" }, null, slot);
}

export function textChunk(meta: ResponseMeta, text: string, slot?: ChunkSlot): ChatCompletionChunk {
  return deltaChunk(meta, { content: text }, null, slot);
}

/** Opens tool call `toolIndex` with its id and name; its arguments follow in fragments. */
export function toolCallStartChunk(meta: ResponseMeta, toolIndex: number, id: string, name: string, slot?: ChunkSlot): ChatCompletionChunk {
  return deltaChunk(meta, { tool_calls: [{ index: toolIndex, id, type: "function", function: { name, arguments: "" } }] }, null, slot);
}

export function toolCallArgumentsChunk(meta: ResponseMeta, toolIndex: number, fragment: string, slot?: ChunkSlot): ChatCompletionChunk {
  return deltaChunk(meta, { tool_calls: [{ index: toolIndex, function: { arguments: fragment } }] }, null, slot);
}

export function finishChunk(meta: ResponseMeta, finishReason: FinishReason, slot?: ChunkSlot): ChatCompletionChunk {
  return deltaChunk(meta, {}, finishReason, slot);
}

/** The stream's last chunk: no choices, the whole response's usage. */
export function usageChunk(meta: ResponseMeta, usage: CompletionUsage): ChatCompletionChunk {
  return { ...envelope(meta), choices: [], usage };
}

// Built field by field: callers pass richer contexts whose other fields must not leak out.
function envelope(meta: ResponseMeta): Omit<ChatCompletionChunk, "choices"> {
  return { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model };
}
