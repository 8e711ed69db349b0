// Ollama NDJSON stream lines → OpenAI chat.completion.chunks. A small state machine: `push` each
// parsed line, then `finish` once the upstream has ended. Ollama sends each tool call whole;
// it goes out as OpenAI deltas: one with index, id, type and name, then one with the arguments.
import { finishChunk, roleChunk, textChunk, toolCallArgumentsChunk, toolCallStartChunk, usageChunk, type ResponseMeta } from "../openai-shapes.ts";
import type { ChatCompletionChunk } from "../types.ts";
import { finishReason, toOpenAIToolCall, usageOf } from "./response.ts";
import type { OllamaChatResponse } from "./wire.ts";

export interface OllamaStreamTranslator {
  push(line: OllamaChatResponse): ChatCompletionChunk[];
  /** The finish chunk, then the usage chunk when Ollama reported counts. Throws if `done` never came. */
  finish(): ChatCompletionChunk[];
  /** Whether the final (`done: true`) line has been seen. */
  readonly done: boolean;
}

/** Thrown by `finish` when the stream ended without its final line: a truncation, never a success. */
export class IncompleteStreamError extends Error {
  override readonly name = "IncompleteStreamError";
}

export function createStreamTranslator(meta: ResponseMeta): OllamaStreamTranslator {
  let started = false;
  let final: OllamaChatResponse | undefined;
  let toolCalls = 0;

  return {
    get done() {
      return final !== undefined;
    },
    push(line) {
      if (final) return [];
      const out: ChatCompletionChunk[] = [];
      if (!started) {
        started = true;
        out.push(roleChunk(meta));
      }
      const content = line.message?.content ?? "";
      // `message.thinking` has no Chat Completions field and is left out.
      if (content !== "") out.push(textChunk(meta, content));
      for (const call of line.message?.tool_calls ?? []) {
        const index = toolCalls++;
        const translated = toOpenAIToolCall(call, meta.id, index);
        out.push(
          toolCallStartChunk(meta, index, translated.id, translated.function.name),
          toolCallArgumentsChunk(meta, index, translated.function.arguments),
        );
      }
      if (line.done === true) final = line;
      return out;
    },
    finish() {
      if (!final) throw new IncompleteStreamError("the Ollama stream ended before its final message");
      const out = [finishChunk(meta, finishReason(final.done_reason, toolCalls > 0))];
      const usage = usageOf(final);
      if (usage) out.push(usageChunk(meta, usage));
      return out;
    },
  };
}
