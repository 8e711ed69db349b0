// The canonical chat result → an Anthropic message, for targets that do not speak Messages.
// Pure. Usage is converted (chat's prompt_tokens includes cached tokens; Anthropic's
// input_tokens does not), tool call ids are kept where Anthropic would accept them back, and
// no empty text block is ever produced.
import { randomUUID } from "node:crypto";
import { matchedStop } from "../../providers/canonical-chat.ts";
import type { ChatCompletion } from "../../providers/types.ts";
import type { ContentBlock, Message, MessagesUsage, StopReason, ToolUseBlock } from "./wire.ts";

/** What chat's usage carries, the cached count included when the upstream reports it. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | undefined } | null | undefined;
}

/** What the answer is written for, besides the upstream's result. */
export interface AnswerContext {
  /** The model name the client asked for; translated answers report it. */
  readonly model: string;
  /** The client's stop_sequences: a stop is reported as one of them only when the upstream names it. */
  readonly stopSequences: readonly string[];
  /**
   * Input tokens as estimated before the upstream answered (cache reads and writes unknown, so
   * none): message_start's count, and the count when the upstream reports no usage.
   */
  readonly inputTokens: number;
}

/** Usage in Anthropic's terms; without upstream usage, the estimate of the input and no output. */
export function toMessagesUsage(usage: ChatUsage | null | undefined, estimatedInput = 0): MessagesUsage {
  if (!usage) return { input_tokens: estimatedInput, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.prompt_tokens - cached),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: usage.completion_tokens,
  };
}

export interface Stop {
  stop_reason: StopReason;
  stop_sequence: string | null;
}

/**
 * Anthropic's stop reason for chat's finish_reason. A stop is `stop_sequence` (with the string)
 * only when the upstream said which sequence matched and it is one the client sent; OpenAI,
 * Gemini and Ollama do not say, so their stops are `end_turn`.
 */
export function stopOf(finish: string | null | undefined, hasToolCalls: boolean, matched: string | undefined, stopSequences: readonly string[]): Stop {
  switch (finish) {
    case "length":
      return { stop_reason: "max_tokens", stop_sequence: null };
    case "tool_calls":
    case "function_call":
      return { stop_reason: "tool_use", stop_sequence: null };
    case "content_filter":
      return { stop_reason: "refusal", stop_sequence: null };
    default:
      if (hasToolCalls) return { stop_reason: "tool_use", stop_sequence: null };
      if (matched !== undefined && stopSequences.includes(matched)) return { stop_reason: "stop_sequence", stop_sequence: matched };
      return { stop_reason: "end_turn", stop_sequence: null };
  }
}

export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll("-", "")}`;
}

/**
 * Anthropic validates replayed tool_use ids against this alphabet. A call the upstream gave no id
 * is named after its message and position, so ids stay unique across the conversation.
 */
export function toolUseId(id: string | undefined, messageId: string, position: number): string {
  const cleaned = (id ?? "").replace(/[^a-zA-Z0-9_-]/g, "_");
  return cleaned === "" ? `toolu_${messageId.slice(messageId.indexOf("_") + 1)}_${position}` : cleaned;
}

/** A tool's arguments as its input object; arguments that are not a JSON object are kept under `input`. */
export function toolInput(args: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: kept as text below
  }
  return { input: args };
}

export function toMessage(completion: ChatCompletion, context: AnswerContext): Message {
  const id = newMessageId();
  const choice = completion.choices[0];
  const content: ContentBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === "string" && text !== "") content.push({ type: "text", text });
  const calls = choice?.message.tool_calls ?? [];
  calls.forEach((call, i) => {
    if (call.type !== "function") return;
    const block: ToolUseBlock = { type: "tool_use", id: toolUseId(call.id, id, i), name: call.function.name, input: toolInput(call.function.arguments) };
    content.push(block);
  });
  return {
    id,
    type: "message",
    role: "assistant",
    model: context.model,
    content,
    ...stopOf(choice?.finish_reason, calls.length > 0, choice ? matchedStop(choice) : undefined, context.stopSequences),
    usage: toMessagesUsage(completion.usage, context.inputTokens),
  };
}
