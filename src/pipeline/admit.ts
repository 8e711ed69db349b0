// The admission step, between routing and the upstream call: estimate the prompt (only when a
// token limit applies), admit against the key's and the public model's limits, put the
// x-ratelimit-* headers on whatever response follows, and turn a refusal into the OpenAI 429
// envelope before any upstream is called. The returned handle settles the admission with the
// real usage once the response is over.
import { GatewayError } from "../http/errors.ts";
import type { Limiter } from "../limits/limiter.ts";
import type { TokenUsage } from "./front-door.ts";
import type { Operation } from "./operation.ts";

export interface Admission {
  /** Whether a token limit applies, so output delivered without usage must be counted. */
  readonly counted: boolean;
  /** Output units (stream events) delivered so far; a meter counts them. */
  delivered: number;
  /** Charges the real usage (or what was delivered) and frees the slot; safe to call on every path. */
  settle(usage: TokenUsage | undefined): Promise<void>;
}

export interface AdmissionInput<Req> {
  readonly operation: Operation<Req, unknown>;
  readonly req: Req;
  /** Served from the cache: one request against `rpm`, no tokens. */
  readonly cached?: boolean;
  readonly keyName: string | undefined;
  /** The public model that serves (what `auto` resolved to). */
  readonly publicModel: string;
  /** The first target's upstream model: decides which tokenizer estimates the prompt. */
  readonly upstreamModel: string;
  readonly defaultMaxTokens: number;
  /** The response headers every reply of this request carries; rate-limit headers are added. */
  readonly replyHeaders: Record<string, string>;
}

export async function admit<Req>(limiter: Limiter, input: AdmissionInput<Req>): Promise<Admission> {
  const { operation, req } = input;
  const counted = input.cached !== true && limiter.needsTokenEstimate(input.keyName, input.publicModel);
  const promptTokens = counted ? operation.promptTokens(req, input.upstreamModel) : 0;
  const admission = await limiter.admit({
    keyName: input.keyName,
    publicModel: input.publicModel,
    estimatedPromptTokens: promptTokens,
    maxTokens: input.cached === true ? 0 : operation.completionBudget(req, input.defaultMaxTokens),
  });
  Object.assign(input.replyHeaders, admission.headers);
  if (!admission.ok) {
    const headers = { ...admission.headers, "retry-after": String(admission.retryAfterSeconds) };
    if (admission.status === 503) {
      throw new GatewayError(503, "service_unavailable", admission.message, { code: "rate_limit_store_unavailable", headers });
    }
    throw new GatewayError(429, "rate_limit_exceeded", admission.message, {
      code: "rate_limit_exceeded",
      headers,
      retryable: admission.retryable,
    });
  }
  const handle: Admission = {
    counted,
    delivered: 0,
    settle(usage) {
      if (usage !== undefined) return admission.settle({ prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens ?? 0 });
      // A stream cut short (client gone, upstream broke) reports no usage: charge what was
      // delivered, at about one token per event, which is how OpenAI-style streams arrive.
      if (handle.delivered === 0) return admission.settle(undefined);
      return admission.settle({ prompt_tokens: promptTokens, completion_tokens: handle.delivered });
    },
  };
  return handle;
}
