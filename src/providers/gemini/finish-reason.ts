// Gemini finish reasons as OpenAI's. Gemini says STOP when the answer is function calls, so any
// emitted tool call makes the choice "tool_calls".
import type { FinishReason } from "../openai-shapes.ts";

const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

export function toFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) return "tool_calls";
  if (reason === "MAX_TOKENS") return "length";
  if (reason !== undefined && FILTERED.has(reason)) return "content_filter";
  // STOP, and reasons with no OpenAI counterpart (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL...):
  // the model stopped without being cut off or filtered.
  return "stop";
}

/** A prompt Gemini refused to answer at all (`promptFeedback.blockReason`). */
export function isPromptBlocked(feedback: { blockReason?: string | undefined } | undefined): boolean {
  const reason = feedback?.blockReason;
  return reason !== undefined && reason !== "BLOCKED_REASON_UNSPECIFIED";
}
