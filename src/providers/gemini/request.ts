// OpenAI ChatRequest → the Gemini generateContent request (SDK shape: contents + config).
// Pure: images are loaded by the caller and handed in. A parameter Gemini cannot honour
// is a GatewayInputError naming it; only parameters that do not change the answer are dropped.
import { ThinkingLevel, type Content, type GenerateContentConfig, type ThinkingConfig, type Tool } from "@google/genai";
import type { ChatRequest } from "../types.ts";
import type { InlineImage } from "../images.ts";
import { GatewayInputError } from "../input-error.ts";
import { toConversation } from "./messages.ts";
import { toGeminiSchema } from "./schema.ts";
import { toGeminiTools } from "./tools.ts";

/** The SDK's request, with tools narrowed to declarations (no SDK-side callable tools). */
export type GeminiConfig = Omit<GenerateContentConfig, "tools"> & { tools?: Tool[] };

export interface GeminiRequest {
  contents: Content[];
  config: GeminiConfig;
}

// Dropped on purpose, none changes what the model answers: `user`, `safety_identifier`,
// `metadata` (routing input), `store`, `service_tier`, `prediction` (a latency hint),
// `prompt_cache_*` (Gemini caches implicitly), `stream_options` (the writer's concern),
// `parallel_tool_calls` (enforced on the response, see GeminiResponseMeta.singleToolCall), and
// per-message `name`.

export function toGeminiRequest(req: ChatRequest, model: string, images: ReadonlyMap<string, InlineImage>): GeminiRequest {
  rejectUnsupported(req);
  const conversation = toConversation(req.messages, { images, requireSignatures: isGemini3OrLater(model) });
  const config: GeminiConfig = { ...toGeminiTools(req) };
  if (conversation.systemInstruction) config.systemInstruction = conversation.systemInstruction;

  if (req.temperature != null) config.temperature = req.temperature;
  if (req.top_p != null) config.topP = req.top_p;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (req.stop != null) {
    const stops = typeof req.stop === "string" ? [req.stop] : req.stop;
    if (stops.length > 0) config.stopSequences = stops;
  }
  if (req.n != null) {
    if (!Number.isInteger(req.n) || req.n < 1) throw new GatewayInputError("n must be a positive integer", "n");
    if (req.n > 1) config.candidateCount = req.n;
  }
  if (req.seed != null) config.seed = req.seed;
  if (req.presence_penalty != null) config.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty != null) config.frequencyPenalty = req.frequency_penalty;
  Object.assign(config, responseFormat(req));
  const thinking = thinkingConfig(req, model);
  if (thinking) config.thinkingConfig = thinking;
  return { contents: conversation.contents, config };
}

/**
 * Image URLs in the request, which the caller loads (http fetched, data URLs size-checked) and
 * hands to `toGeminiRequest`: Gemini takes images inline only.
 */
export function imageUrls(req: ChatRequest): string[] {
  const urls = new Set<string>();
  for (const message of req.messages) {
    if (message.role !== "user" || typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type === "image_url") urls.add(part.image_url.url);
    }
  }
  return [...urls];
}

/** Gemini 3 and later: thinking levels instead of budgets, and signed function calls required. */
export function isGemini3OrLater(model: string): boolean {
  const major = /(?:^|\/)gemini-(\d+)/.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

function rejectUnsupported(req: ChatRequest): void {
  const unsupported = (param: string, why = "is not supported by this provider") => {
    throw new GatewayInputError(`${param} ${why}`, param);
  };
  if (req.logprobs === true) unsupported("logprobs");
  if (req.top_logprobs != null) unsupported("top_logprobs");
  if (req.logit_bias != null && Object.keys(req.logit_bias).length > 0) unsupported("logit_bias");
  if (req.audio != null) unsupported("audio");
  if (req.modalities?.some((m) => m !== "text")) unsupported("modalities", "may only contain \"text\" for this provider");
  if (req.web_search_options != null) unsupported("web_search_options");
  if (req.moderation != null) unsupported("moderation");
  if (req.verbosity != null) unsupported("verbosity");
}

function responseFormat(req: ChatRequest): GeminiConfig {
  const format = req.response_format;
  if (format == null || format.type === "text") return {};
  if (format.type === "json_object") return { responseMimeType: "application/json" };
  // The gateway's validator admits only these three types; guard anyway, since a crash here
  // would surface as an upstream fault rather than the client's mistake.
  const spec = (format as Partial<typeof format>).json_schema;
  if (spec === undefined) throw new GatewayInputError("response_format must be text, json_object or json_schema", "response_format");
  const schema = spec.schema;
  return { responseMimeType: "application/json", ...(schema === undefined ? {} : { responseJsonSchema: toGeminiSchema(schema) }) };
}

// Gemini's own OpenAI layer maps effort to budgets of 1K/8K/24K tokens on budget-based models;
// Gemini 3 has named levels. Efforts with no counterpart are refused rather than rounded.
const BUDGETS: Partial<Record<string, number>> = { none: 0, low: 1024, medium: 8192, high: 24576 };
const LEVELS: Partial<Record<string, ThinkingLevel>> = {
  minimal: ThinkingLevel.MINIMAL,
  low: ThinkingLevel.LOW,
  medium: ThinkingLevel.MEDIUM,
  high: ThinkingLevel.HIGH,
};

function thinkingConfig(req: ChatRequest, model: string): ThinkingConfig | undefined {
  const effort = req.reasoning_effort;
  if (effort == null) return undefined;
  if (isGemini3OrLater(model)) {
    const level = LEVELS[effort];
    if (level === undefined) throw new GatewayInputError(`reasoning_effort "${effort}" has no equivalent on ${model}`, "reasoning_effort");
    return { thinkingLevel: level };
  }
  const budget = BUDGETS[effort];
  if (budget === undefined) throw new GatewayInputError(`reasoning_effort "${effort}" has no equivalent on ${model}`, "reasoning_effort");
  return { thinkingBudget: budget };
}
