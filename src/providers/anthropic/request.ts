// OpenAI chat request → Anthropic Messages request (API version 2026-10-21, which the SDK sends).
// Pure: no I/O; everything the translation needs is passed in.
import type { MessageCreateParamsBase, OutputConfig } from "@anthropic-ai/sdk/resources/messages";
import type { ChatRequest } from "../types.ts";
import { GatewayInputError } from "../input-error.ts";
import { toAnthropicConversation } from "./messages.ts";
import { toToolSettings } from "./tools.ts";

export interface RequestOptions {
  /** Used when the client sets neither max_completion_tokens nor max_tokens: Anthropic requires one. */
  defaultMaxTokens: number;
}

export interface AnthropicRequest {
  params: MessageCreateParamsBase;
  /** Name of the tool emulating `json_object`, whose input is the answer. */
  jsonTool: string | undefined;
  /** Sampling parameters the client set that this API cannot take. */
  ignored: readonly string[];
}

const EFFORTS = { low: "low", medium: "medium", high: "high", xhigh: "xhigh", max: "max" } as const;

export function toAnthropicRequest(req: ChatRequest, model: string, options: RequestOptions): AnthropicRequest {
  rejectUntranslatable(req);
  const { system, messages } = toAnthropicConversation(req.messages);
  const { jsonTool, ...tools } = toToolSettings(req);

  const params: MessageCreateParamsBase = {
    model,
    messages,
    max_tokens: maxTokens(req, options.defaultMaxTokens),
    ...(system !== undefined ? { system } : {}),
    ...tools,
  };

  const stop = req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop;
  if (stop.length > 0) params.stop_sequences = [...stop];

  // An opaque end-user id, which is what Anthropic's metadata.user_id is for.
  const endUser = req.safety_identifier ?? req.user;
  if (endUser) params.metadata = { user_id: endUser };

  const effort = req.reasoning_effort ? EFFORTS[req.reasoning_effort as keyof typeof EFFORTS] : undefined;
  if (effort) params.output_config = { ...params.output_config, effort } satisfies OutputConfig;

  // Dropped on purpose, meaning intact:
  // - temperature (0..1), top_p, frequency/presence_penalty, seed: sampling hints. API version
  //   2026-10-21 rejects temperature/top_p/top_k on every model and has no penalties or seed;
  //   the model samples as it was tuned to. Only a temperature beyond Anthropic's 0..1 is refused
  //   (rejectUntranslatable), since no Anthropic model ever offered it.
  // - reasoning_effort none/minimal: effort has no lower level than "low"; no `thinking` setting
  //   is sent, so the model keeps its default.
  // - store, metadata, service_tier, prompt_cache_*, prediction, verbosity, stream_options:
  //   bookkeeping, latency or caching hints with no bearing on the answer.
  const ignored = SAMPLING_HINTS.filter((name) => req[name] != null);
  return { params, jsonTool, ignored };
}

/** Sampling hints this API version has no field for (see above); reported, never silent. */
const SAMPLING_HINTS = ["temperature", "top_p", "frequency_penalty", "presence_penalty", "seed"] as const;

function maxTokens(req: ChatRequest, fallback: number): number {
  const value = req.max_completion_tokens ?? req.max_tokens ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new GatewayInputError("max_tokens must be a positive integer", req.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens");
  }
  return value;
}

/** Parameters that would change the answer's meaning or shape and that Anthropic cannot honour. */
function rejectUntranslatable(req: ChatRequest): void {
  if (req.n != null && req.n > 1) throw new GatewayInputError("n > 1 is not supported by this model; send separate requests", "n");
  if (req.temperature != null && req.temperature > 1) {
    throw new GatewayInputError("temperature above 1 is not supported by this model (range 0..1)", "temperature");
  }
  if (req.logprobs === true || (req.top_logprobs != null && req.top_logprobs > 0)) {
    throw new GatewayInputError("logprobs are not supported by this model", req.logprobs === true ? "logprobs" : "top_logprobs");
  }
  if (req.logit_bias != null && Object.keys(req.logit_bias).length > 0) {
    throw new GatewayInputError("logit_bias is not supported by this model", "logit_bias");
  }
  if (req.audio != null || req.modalities?.includes("audio")) {
    throw new GatewayInputError("audio output is not supported by this model", req.audio != null ? "audio" : "modalities");
  }
  if (req.web_search_options != null) throw new GatewayInputError("web_search_options is not supported by this model", "web_search_options");
  if (req.moderation != null) throw new GatewayInputError("moderation is not supported by this model", "moderation");
}
