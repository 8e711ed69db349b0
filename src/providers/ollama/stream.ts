// Ollama NDJSON stream lines → OpenAI chat.completion.chunks. A small state machine: `push` each
// parsed line, then `finish` once the upstream has ended. Ollama sends each tool call whole;
// it goes out as OpenAI deltas: one with index, id, type and name, then one with the arguments.
import type { ChatCompletionChunk } from "../types.ts";
import { finishReason, toOpenAIToolCall, usageOf, type ResponseContext } from "./response.ts";
import type { OllamaChatResponse } from "./wire.ts";

type Delta = ChatCompletionChunk.Choice.Delta;
type ChunkFinish = ChatCompletionChunk.Choice["finish_reason"];

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

export function createStreamTranslator(ctx: ResponseContext): OllamaStreamTranslator {
  let started = false;
  let final: OllamaChatResponse | undefined;
  let toolCalls = 0;

  const chunk = (delta: Delta, finish: ChunkFinish = null): ChatCompletionChunk => ({
    id: ctx.id,
    object: "chat.completion.chunk",
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });

  return {
    get done() {
      return final !== undefined;
    },
    push(line) {
      if (final) return [];
      const out: ChatCompletionChunk[] = [];
      if (!started) {
        started = true;
        out.push(chunk({ role: "assistant", content: "" }));
      }
      const content = line.message?.content ?? "";
      // `message.thinking` has no Chat Completions field and is left out.
      if (content !== "") out.push(chunk({ content }));
      for (const call of line.message?.tool_calls ?? []) {
        const index = toolCalls++;
        const translated = toOpenAIToolCall(call, ctx.id, index);
        out.push(
          chunk({ tool_calls: [{ index, id: translated.id, type: "function", function: { name: translated.function.name, arguments: "" } }] }),
          chunk({ tool_calls: [{ index, function: { arguments: translated.function.arguments } }] }),
        );
      }
      if (line.done === true) final = line;
      return out;
    },
    finish() {
      if (!final) throw new IncompleteStreamError("the Ollama stream ended before its final message");
      const out = [chunk({}, finishReason(final.done_reason, toolCalls > 0))];
      const usage = usageOf(final);
      if (usage) out.push({ id: ctx.id, object: "chat.completion.chunk", created: ctx.created, model: ctx.model, choices: [], usage });
      return out;
    },
  };
}
