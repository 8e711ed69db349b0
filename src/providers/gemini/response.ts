// Gemini generateContent response → OpenAI ChatCompletion. Each candidate is a choice; function
// calls become tool_calls with ids derived from the response id (see tool-call-id.ts).
import type { ChatCompletion } from "../types.ts";
import type { ChatCompletionMessageFunctionToolCall } from "openai/resources/chat/completions";
import { assistantChoice, completion } from "../openai-shapes.ts";
import { isPromptBlocked, toFinishReason } from "./finish-reason.ts";
import type { GeminiCandidate, GeminiPart, GeminiResponse, GeminiResponseMeta } from "./native.ts";
import { toolCallId } from "./tool-call-id.ts";
import { toUsage } from "./usage.ts";

export function toChatCompletion(res: GeminiResponse, meta: GeminiResponseMeta): ChatCompletion {
  const candidates = [...(res.candidates ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const choices =
    candidates.length > 0
      ? candidates.map((candidate, position) => toChoice(candidate, candidate.index ?? position, meta))
      : [emptyChoice(isPromptBlocked(res.promptFeedback))];
  return completion(meta, choices, res.usageMetadata ? toUsage(res.usageMetadata) : undefined);
}

function toChoice(candidate: GeminiCandidate, index: number, meta: GeminiResponseMeta): ChatCompletion.Choice {
  const parts = candidate.content?.parts ?? [];
  const text = answerText(parts);
  let calls = functionCalls(parts).map(
    ({ part, call }, n): ChatCompletionMessageFunctionToolCall => ({
      id: toolCallId(meta.id, index, n, part.thoughtSignature),
      type: "function",
      function: { name: call.name ?? "", arguments: JSON.stringify(call.args ?? {}) },
    }),
  );
  if (meta.singleToolCall) calls = calls.slice(0, 1);
  const finish = toFinishReason(candidate.finishReason, calls.length > 0);
  // A filtered candidate with no text has no answer at all, not an empty one.
  return assistantChoice(index, text === "" && finish === "content_filter" ? null : text, calls, finish);
}

function emptyChoice(blocked: boolean): ChatCompletion.Choice {
  return assistantChoice(0, blocked ? null : "", [], blocked ? "content_filter" : "stop");
}

/** The answer's text: thought summaries are not part of it. */
export function answerText(parts: readonly GeminiPart[]): string {
  return parts
    .filter((p) => p.text !== undefined && p.thought !== true)
    .map((p) => p.text)
    .join("");
}

export function functionCalls(parts: readonly GeminiPart[]) {
  return parts.flatMap((part) => (part.functionCall ? [{ part, call: part.functionCall }] : []));
}
