// The canonical chat result → an Anthropic message, for targets that do not speak Messages.
// Pure. Usage is converted (chat's prompt_tokens includes cached tokens; Anthropic's
// input_tokens does not), tool call ids are kept where Anthropic would accept them back, and
// no empty text block is ever produced.
import { randomUUID } from "node:crypto";
import type { ChatCompletion } from "../../providers/types.ts";
import type { ContentBlock, Message, MessagesUsage, StopReason, ToolUseBlock } from "./wire.ts";

/** What chat's usage carries, the cached count included when the upstream reports it. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | undefined } | null | undefined;
}

export function toMessagesUsage(usage: ChatUsage | null | undefined): MessagesUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: usage?.completion_tokens ?? 0,
  };
}

export function stopReasonOf(finish: string | null | undefined, hasToolCalls: boolean): StopReason {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return hasToolCalls ? "tool_use" : "end_turn";
  }
}

export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll("-", "")}`;
}

/** Anthropic validates replayed tool_use ids against this alphabet. */
export function toolUseId(id: string | undefined, fallback: string): string {
  const cleaned = (id ?? "").replace(/[^a-zA-Z0-9_-]/g, "_");
  return cleaned === "" ? fallback : cleaned;
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

export function toMessage(completion: ChatCompletion, model: string): Message {
  const choice = completion.choices[0];
  const content: ContentBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === "string" && text !== "") content.push({ type: "text", text });
  const calls = choice?.message.tool_calls ?? [];
  calls.forEach((call, i) => {
    if (call.type !== "function") return;
    const block: ToolUseBlock = { type: "tool_use", id: toolUseId(call.id, `toolu_${i}`), name: call.function.name, input: toolInput(call.function.arguments) };
    content.push(block);
  });
  return {
    id: newMessageId(),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason, calls.length > 0),
    stop_sequence: null,
    usage: toMessagesUsage(completion.usage),
  };
}
