// Gemini usageMetadata as OpenAI usage. Thinking tokens are billed as output, as OpenAI's
// reasoning tokens are, so they count toward completion_tokens.
import type { CompletionUsage } from "openai/resources/completions";
import type { GeminiUsage } from "./native.ts";

export function toUsage(meta: GeminiUsage): CompletionUsage {
  const prompt = (meta.promptTokenCount ?? 0) + (meta.toolUsePromptTokenCount ?? 0);
  const thoughts = meta.thoughtsTokenCount ?? 0;
  const completion = (meta.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(meta.cachedContentTokenCount ? { prompt_tokens_details: { cached_tokens: meta.cachedContentTokenCount } } : {}),
    ...(thoughts > 0 ? { completion_tokens_details: { reasoning_tokens: thoughts } } : {}),
  };
}
