// Anthropic Message → OpenAI chat.completion. Pure.
import type { Message, MessageDeltaUsage, StopReason, Usage as AnthropicUsage } from "@anthropic-ai/sdk/resources/messages";
import type { ChatCompletionMessageToolCall } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { assistantChoice, completion, type FinishReason, type ResponseMeta } from "../openai-shapes.ts";
import type { ChatCompletion } from "../types.ts";

export interface ResponseContext extends ResponseMeta {
  /** Tool emulating `json_object` (see tools.ts): its input is the message content. */
  jsonTool?: string | undefined;
}

export function toChatCompletion(message: Message, ctx: ResponseContext): ChatCompletion {
  let text = "";
  const toolCalls: ChatCompletionMessageToolCall[] = [];
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use" && block.name === ctx.jsonTool) text += JSON.stringify(block.input);
    else if (block.type === "tool_use") {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
    // thinking and server-tool blocks have no place in a chat.completion message
  }
  const finish = finishReason(message.stop_reason, toolCalls.length > 0, ctx.jsonTool !== undefined);
  return completion(ctx, [assistantChoice(0, text, toolCalls, finish)], toUsage(message.usage));
}

/**
 * Any emitted tool call makes it `tool_calls`. A forced `json_object` tool is the answer itself,
 * so its `tool_use` stop is a plain `stop`.
 */
export function finishReason(reason: StopReason | null, emittedToolCalls: boolean, jsonEmulated: boolean): FinishReason {
  if (emittedToolCalls) return "tool_calls";
  switch (reason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "refusal":
      return "content_filter";
    case "tool_use":
      return jsonEmulated ? "stop" : "tool_calls";
    default: // end_turn, stop_sequence, pause_turn, null
      return "stop";
  }
}

type UsageFields = Pick<AnthropicUsage, "input_tokens" | "output_tokens"> &
  Partial<Pick<MessageDeltaUsage, "cache_creation_input_tokens" | "cache_read_input_tokens">>;

/** Anthropic's input_tokens exclude cache reads and writes; OpenAI's prompt_tokens include them. */
export function toUsage(usage: UsageFields): CompletionUsage {
  const cached = usage.cache_read_input_tokens ?? 0;
  const prompt = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + cached;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output_tokens,
    total_tokens: prompt + usage.output_tokens,
    ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}
