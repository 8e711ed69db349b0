// Folds a stream's chunks into the one completion they add up to, as they pass: text, refusal
// and reasoning per choice, tool calls by index (id and name from their first delta, argument
// fragments joined), the finish reason, and usage. The result is what a JSON answer to the same
// request would have been, so stream and JSON requests share one entry.
import { matchedStop } from "../../providers/canonical-chat.ts";
import type { ChatCompletion, ChatCompletionChunk, MatchedStopField, Usage } from "../../providers/types.ts";

type ChatChoice = ChatCompletion["choices"][number];
type FinishReason = ChatChoice["finish_reason"];

interface ToolCallParts {
  id: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  content: string[];
  refusal: string[];
  reasoning: string[];
  toolCalls: ToolCallParts[];
  finish: FinishReason | null;
  /** The stop string the upstream says ended the choice (vLLM's `stop_reason`), kept for replay. */
  matched?: string;
}

export interface ChunkAggregator {
  add(chunk: ChatCompletionChunk): void;
  /** The completion, or undefined when the stream did not finish every choice. */
  finish(usage: Usage | undefined): ChatCompletion | undefined;
}

export function aggregateChunks(): ChunkAggregator {
  let head: ChatCompletionChunk | undefined;
  let usage: Usage | undefined;
  const choices: ChoiceParts[] = [];

  return {
    add(chunk) {
      head ??= chunk;
      if (chunk.usage) usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens, total_tokens: chunk.usage.total_tokens };
      for (const choice of chunk.choices) {
        const parts = (choices[choice.index] ??= { content: [], refusal: [], reasoning: [], toolCalls: [], finish: null });
        const delta = choice.delta as typeof choice.delta & { reasoning_content?: string | null };
        if (delta.content) parts.content.push(delta.content);
        if (delta.refusal) parts.refusal.push(delta.refusal);
        if (delta.reasoning_content) parts.reasoning.push(delta.reasoning_content);
        for (const call of delta.tool_calls ?? []) {
          const slot = (parts.toolCalls[call.index] ??= { id: "", name: "", arguments: "" });
          if (call.id) slot.id = call.id;
          if (call.function?.name) slot.name += call.function.name;
          if (call.function?.arguments) slot.arguments += call.function.arguments;
        }
        if (choice.finish_reason) parts.finish = choice.finish_reason;
        const matched = matchedStop(choice);
        if (matched !== undefined) parts.matched = matched;
      }
    },
    finish(reported) {
      if (!head || choices.length === 0) return undefined;
      const built: ChatChoice[] = [];
      for (let index = 0; index < choices.length; index++) {
        const parts = choices[index];
        if (!parts?.finish) return undefined;
        built.push(choiceOf(index, parts, parts.finish));
      }
      const final = reported ?? usage;
      return {
        id: head.id,
        object: "chat.completion",
        created: head.created,
        model: head.model,
        choices: built,
        ...(head.system_fingerprint ? { system_fingerprint: head.system_fingerprint } : {}),
        ...(final ? { usage: final } : {}),
      };
    },
  };
}

function choiceOf(index: number, parts: ChoiceParts, finish: FinishReason): ChatChoice & MatchedStopField {
  // Indices may skip (a sparse array): only the calls that arrived.
  const calls = Object.values(parts.toolCalls);
  const message: ChatChoice["message"] & { reasoning_content?: string } = {
    role: "assistant",
    content: parts.content.length > 0 ? parts.content.join("") : null,
    refusal: parts.refusal.length > 0 ? parts.refusal.join("") : null,
  };
  if (parts.reasoning.length > 0) message.reasoning_content = parts.reasoning.join("");
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({ id: call.id, type: "function" as const, function: { name: call.name, arguments: call.arguments } }));
  }
  return { index, message, finish_reason: finish, logprobs: null, ...(parts.matched !== undefined ? { stop_reason: parts.matched } : {}) };
}
