// The slice of Gemini's GenerateContentResponse the translators read. Structural and string-typed
// so that both the SDK's response objects and recorded wire JSON fit it.
import type { ResponseMeta } from "../openai-shapes.ts";

export interface GeminiFunctionCall {
  id?: string | undefined;
  name?: string | undefined;
  args?: Record<string, unknown> | undefined;
}

export interface GeminiPart {
  text?: string | undefined;
  /** Thought summaries; never part of the answer. */
  thought?: boolean | undefined;
  thoughtSignature?: string | undefined;
  functionCall?: GeminiFunctionCall | undefined;
}

export interface GeminiCandidate {
  index?: number | undefined;
  content?: { role?: string | undefined; parts?: GeminiPart[] | undefined } | undefined;
  finishReason?: string | undefined;
}

export interface GeminiUsage {
  promptTokenCount?: number | undefined;
  candidatesTokenCount?: number | undefined;
  thoughtsTokenCount?: number | undefined;
  toolUsePromptTokenCount?: number | undefined;
  cachedContentTokenCount?: number | undefined;
  totalTokenCount?: number | undefined;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[] | undefined;
  promptFeedback?: { blockReason?: string | undefined } | undefined;
  usageMetadata?: GeminiUsage | undefined;
  responseId?: string | undefined;
  modelVersion?: string | undefined;
}

/** What a translated response or stream reports about itself, and how it treats tool calls. */
export interface GeminiResponseMeta extends ResponseMeta {
  /** Keep only the first tool call of each choice (`parallel_tool_calls: false`). */
  singleToolCall: boolean;
}
