// Ollama `/api/chat` response → OpenAI ChatCompletion. Also the pieces the stream translator
// shares: tool call ids, finish reasons and usage.
import { createHash } from "node:crypto";
import type { ChatCompletionMessageFunctionToolCall } from "openai/resources/chat/completions";
import { assistantChoice, completion, type FinishReason, type ResponseMeta } from "../openai-shapes.ts";
import type { ChatCompletion, Usage } from "../types.ts";
import type { OllamaChatResponse, OllamaToolCall } from "./wire.ts";

/**
 * Ollama rarely gives tool calls an id. Derived from the response id and the call's position,
 * the id is stable for the response and unique across responses.
 */
export function toolCallId(responseId: string, index: number): string {
  return `call_${createHash("sha256").update(`${responseId}:${index}`).digest("hex").slice(0, 24)}`;
}

export function toOpenAIToolCall(call: OllamaToolCall, responseId: string, index: number): ChatCompletionMessageFunctionToolCall {
  const args: unknown = call.function.arguments;
  return {
    id: typeof call.id === "string" && call.id !== "" ? call.id : toolCallId(responseId, index),
    type: "function",
    function: {
      name: call.function.name,
      // Arguments arrive as an object; an already-encoded string is kept as it is.
      arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    },
  };
}

/** Ollama says "stop" even when it answered with tool calls; any tool call makes it "tool_calls". */
export function finishReason(doneReason: string | undefined, sawToolCalls: boolean): FinishReason {
  if (sawToolCalls) return "tool_calls";
  return doneReason === "length" ? "length" : "stop";
}

/** Token counts of the final (`done: true`) message; undefined when Ollama reported none. */
export function usageOf(res: OllamaChatResponse): Usage | undefined {
  if (res.prompt_eval_count === undefined && res.eval_count === undefined) return undefined;
  const prompt = res.prompt_eval_count ?? 0;
  const completion = res.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function toChatCompletion(res: OllamaChatResponse, meta: ResponseMeta): ChatCompletion {
  const calls = (res.message?.tool_calls ?? []).map((call, i) => toOpenAIToolCall(call, meta.id, i));
  const text = res.message?.content ?? "";
  // `message.thinking` (reasoning models) has no place in a Chat Completion and is left out.
  const choice = assistantChoice(0, text, calls, finishReason(res.done_reason, calls.length > 0));
  return completion(meta, [choice], usageOf(res));
}
