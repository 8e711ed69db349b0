// The admission step, between routing and the upstream call: estimate the prompt (only when a
// token limit or a budget applies), admit against the key's and the public model's limits and
// the key's spend budget in one atomic store call, put the x-ratelimit-* and
// x-llm-budget-remaining-usd headers on whatever response follows, and turn a refusal into the
// OpenAI 429 envelope before any upstream is called. The returned handle settles the admission
// (tokens and spend) with the real usage once the response is over.
import type { PublicModel } from "../config/types.ts";
import { GatewayError } from "../http/errors.ts";
import type { Admitted, Limiter, Refused } from "../limits/limiter.ts";
import { writeBudgetHeaders } from "../limits/headers.ts";
import type { TokenUsage } from "./front-door.ts";
import type { Operation } from "./operation.ts";

export interface Admission {
  /** Whether a token limit or a budget applies, so output delivered without usage must be counted. */
  readonly counted: boolean;
  /**
   * The prompt estimate admission reserved against (0 when no limit or budget needed one); for an
   * operation that offers a cheap bound (promptTokenBound), that bound.
   */
  readonly promptTokens: number;
  /** Output units (stream events) delivered so far; a meter counts them. */
  delivered: number;
  /**
   * Charges the real usage (or, for an answer that reported none, the prompt estimate plus what
   * was delivered) and frees the slot and the budget hold; `served` is false when no answer was
   * written (an upstream error: nothing is charged to the budget). Safe to call on every path.
   */
  settle(usage: TokenUsage | undefined, served: boolean): Promise<void>;
}

export interface AdmissionInput<Req> {
  readonly operation: Operation<Req, unknown>;
  readonly req: Req;
  readonly keyName: string | undefined;
  /** The public model that serves (what `auto` resolved to): its limits and its price apply. */
  readonly model: PublicModel;
  /** The first target's upstream model: decides which tokenizer estimates the prompt. */
  readonly upstreamModel: string;
  readonly defaultMaxTokens: number;
  /** Served from the cache: one request against `rpm`, no tokens, no cost (the budget is only read, never held or refused). */
  readonly cached?: boolean;
  /** The response headers every reply of this request carries; limit and budget headers are added. */
  readonly replyHeaders: Record<string, string>;
}

/** The admission; a promise only when the limit store must be waited for (Redis), else in the same tick. */
export function admit<Req>(limiter: Limiter, input: AdmissionInput<Req>): Admission | Promise<Admission> {
  const { operation, req } = input;
  const publicModel = input.model.name;
  const counted = input.cached !== true && limiter.needsTokenEstimate(input.keyName, publicModel);
  // A cheap upper bound when the operation has one: the limiter counts exactly only near a limit.
  const bounded = counted ? operation.promptTokenBound?.(req, input.upstreamModel) : undefined;
  const direct = counted && bounded === undefined ? operation.promptTokens(req, input.upstreamModel) : 0;
  let estimate: Promise<number> | undefined;
  const exactPrompt = (): Promise<number> => (estimate ??= bounded === undefined ? Promise.resolve(direct) : bounded.count());
  const admitted = limiter.admit({
    keyName: input.keyName,
    publicModel,
    estimatedPromptTokens: bounded?.bound ?? direct,
    countPromptTokens: bounded === undefined ? undefined : exactPrompt,
    maxTokens: input.cached === true ? 0 : operation.completionBudget(req, input.defaultMaxTokens),
    price: input.model.price,
    free: input.cached === true,
  });
  return admitted instanceof Promise ? admitted.then(held) : held(admitted);

  /** Puts the limit and budget headers on the reply; throws the 429 (or 503) of a refusal. */
  function held(admission: Admitted | Refused): Admission {
    Object.assign(input.replyHeaders, admission.headers);
    if (admission.budget !== undefined) writeBudgetHeaders(input.replyHeaders, admission.budget);
    if (!admission.ok) throw refusalError(admission);
    const handle: Admission = {
      counted,
      promptTokens: bounded?.bound ?? direct,
      delivered: 0,
      settle(usage, served) {
        if (usage !== undefined) return admission.settle({ prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens ?? 0 });
        // A stream cut short (client gone, upstream broke) reports no usage: charge the prompt and
        // what was delivered, at about one token per event, which is how OpenAI-style streams arrive.
        if (handle.delivered > 0 || served) {
          return exactPrompt().then((prompt_tokens) => admission.settle({ prompt_tokens, completion_tokens: handle.delivered }));
        }
        return admission.settle(undefined);
      },
    };
    return handle;
  }
}

function refusalError(refused: Refused): GatewayError {
  const headers: Record<string, string> = { ...refused.headers };
  if (refused.retryAfterSeconds !== undefined) headers["retry-after"] = String(refused.retryAfterSeconds);
  if (refused.status === 503) {
    return new GatewayError(503, "service_unavailable", refused.message, { code: "rate_limit_store_unavailable", headers });
  }
  if (refused.limit === "budget") {
    // OpenAI's own type for "out of money": its SDKs do not retry it, and neither should anything else.
    return new GatewayError(429, "insufficient_quota", refused.message, { code: "budget_exceeded", headers, retryable: false });
  }
  return new GatewayError(429, "rate_limit_exceeded", refused.message, { code: "rate_limit_exceeded", headers, retryable: refused.retryable });
}
