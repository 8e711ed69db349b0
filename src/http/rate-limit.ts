// The rate-limit step of a chat request, between routing and the upstream call: estimate the
// prompt (only when a token limit applies), admit against the key's and the public model's
// limits, put the x-ratelimit-* headers on whatever response follows, and turn a refusal into
// the OpenAI 429 envelope before any upstream is called. The returned handle settles the
// admission with the real usage once the response is over.
import type { ChatRequest, ChatResult, Usage } from "../providers/types.ts";
import type { Limiter } from "../limits/limiter.ts";
import { estimatePromptTokens } from "../limits/tokens.ts";
import { GatewayError } from "./errors.ts";

export interface ChatAdmission {
  /** Wraps a stream so that what reached the client can be charged if it ends without usage. */
  meter(result: ChatResult): ChatResult;
  /** Charges the real usage (or what was streamed) and frees the slot; safe to call on every path. */
  settle(usage: Usage | undefined): Promise<void>;
}

export interface ChatAdmissionInput {
  readonly keyName: string | undefined;
  /** The public model that serves (what `auto` resolved to). */
  readonly publicModel: string;
  /** The first target's upstream model: decides which tokenizer estimates the prompt. */
  readonly upstreamModel: string;
  readonly req: ChatRequest;
  readonly defaultMaxTokens: number;
  /** The response headers every reply of this request carries; rate-limit headers are added. */
  readonly replyHeaders: Record<string, string>;
}

export async function admitChat(limiter: Limiter, input: ChatAdmissionInput): Promise<ChatAdmission> {
  const { req } = input;
  const counted = limiter.needsTokenEstimate(input.keyName, input.publicModel);
  const promptTokens = counted ? estimatePromptTokens(req, input.upstreamModel) : 0;
  // Every choice of `n` may use the whole completion budget. Clients still send the older
  // max_tokens, and it bounds the completion just the same.
  const maxTokens = (req.max_completion_tokens ?? req.max_tokens ?? input.defaultMaxTokens) * (req.n ?? 1);
  const admission = await limiter.admit({
    keyName: input.keyName,
    publicModel: input.publicModel,
    estimatedPromptTokens: promptTokens,
    maxTokens,
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

  let events = 0;
  return {
    meter(result) {
      if (!counted) return result;
      if (result.kind === "stream") return { ...result, chunks: counting(result.chunks, () => (events += 1)) };
      if (result.kind === "passthrough" && !Array.isArray(result.body)) {
        const body = result.body as AsyncIterable<Uint8Array>;
        return { ...result, body: counting(body, (chunk) => (events += sseEvents(chunk))) };
      }
      return result;
    },
    settle(usage) {
      if (usage !== undefined || events === 0) return admission.settle(usage);
      // A stream cut short (client gone, upstream broke) reports no usage: charge what was
      // delivered, at about one token per event, which is how OpenAI-style streams arrive.
      return admission.settle({ prompt_tokens: promptTokens, completion_tokens: events });
    },
  };
}

async function* counting<T>(source: AsyncIterable<T>, seen: (item: T) => void): AsyncGenerator<T> {
  for await (const item of source) {
    seen(item);
    yield item;
  }
}

const DATA = Buffer.from("data:");

function sseEvents(chunk: Uint8Array): number {
  const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let count = 0;
  for (let at = bytes.indexOf(DATA); at !== -1; at = bytes.indexOf(DATA, at + DATA.length)) count += 1;
  return count;
}
