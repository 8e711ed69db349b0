// The Messages operation, per target: a provider that speaks Messages gets the client's body on
// its native lane; any other gets the canonical chat request (translated on first use) through
// the chat operation, unless the body holds something chat cannot carry (then that target is
// skipped, and the client hears what it was only if no target could serve). The result says
// which lane served, so the door knows whose bytes it writes.
import { chatOperation, primedPassthrough } from "../../pipeline/operations/chat.ts";
import type { Operation } from "../../pipeline/operation.ts";
import { GatewayInputError } from "../../providers/input-error.ts";
import type { ChatResult, NativeRequest, PassthroughResult, ProviderAdapter } from "../../providers/types.ts";
import { estimatePromptTokens, promptTokenBound, usesOpenAITokenizer, type PromptBound } from "../../limits/tokens.ts";
import { messagesPromptBound } from "./prompt-bound.ts";
import { chatOf, MESSAGES_BODY, type MessagesRequest, type MessagesSource } from "./request.ts";

export type MessagesResult =
  | { lane: "native"; result: PassthroughResult }
  /**
   * `model`: the target model that served, whose tokenizer estimates the input when admission
   * made no estimate; `inputTokens`: the prompt estimate admission made, when a limit or budget
   * needed one; `bounded`: admission reserved a bound, not an estimate (so no `inputTokens`).
   */
  | { lane: "translated"; result: ChatResult; model?: string; inputTokens?: number; bounded?: true };

/** Requests admission reserved a cheap bound for: their answers estimate the input themselves. */
const admittedOnBound = new WeakSet<MessagesRequest>();

function approximateBound(req: MessagesRequest, model: string): PromptBound {
  return { bound: messagesPromptBound(req[MESSAGES_BODY].body), count: () => Promise.resolve(estimatePromptTokens(chatOf(req), model)) };
}

export function speaksMessages(adapter: ProviderAdapter): adapter is ProviderAdapter & Required<Pick<ProviderAdapter, "native">> {
  return adapter.native !== undefined && adapter.speaks?.("anthropic-messages") === true;
}

/** The body as sent, to `path` under the API root with the client's query and protocol headers kept. */
export function nativeRequest(source: MessagesSource, path: "/messages" | "/messages/count_tokens"): NativeRequest {
  return { method: "POST", path: `${path}${source.search}`, body: source.body, stream: source.stream, headers: source.headers };
}

export const messagesOperation: Operation<MessagesRequest, MessagesResult> = {
  kind: "chat",
  async call(adapter, req, model, options) {
    const source = req[MESSAGES_BODY];
    if (speaksMessages(adapter)) {
      const result = await adapter.native("anthropic-messages", nativeRequest(source, "/messages"), model, options);
      // A whole answer is primed as it is: no await, no extra turn of the microtask queue.
      const primed = primedPassthrough(result);
      return { lane: "native", result: primed instanceof Promise ? await primed : primed };
    }
    const { chat, untranslatable, warnings } = source.translation();
    if (untranslatable.length > 0) {
      throw new GatewayInputError(`provider '${adapter.id}' does not speak Messages, and chat cannot carry ${untranslatable.join("; ")}`, undefined, "untranslatable");
    }
    for (const warning of warnings) options.warn?.(warning);
    const result = await chatOperation.call(adapter, chat, model, options);
    return admittedOnBound.has(req) ? { lane: "translated", result, model, bounded: true } : { lane: "translated", result, model };
  },
  // The body and the translation both leave the routing hints out already.
  upstreamRequest: (req) => req,
  // Counted on the translation, so a request reserves the same tokens whichever lane serves it.
  promptTokens: (req, model) => estimatePromptTokens(chatOf(req), model),
  // As chat's: far from every limit the limiter reserves a bound and runs no tokenizer. For a
  // model counted with the character approximation (Claude's) the bound is a walk of the body
  // itself, so the native lane builds no translation unless a limit is near.
  promptTokenBound(req, model) {
    const bound = usesOpenAITokenizer(model) ? promptTokenBound(chatOf(req), model) : approximateBound(req, model);
    if (bound !== undefined) admittedOnBound.add(req);
    return bound;
  },
  completionBudget: (req, defaultMaxTokens) => req.max_tokens ?? defaultMaxTokens,
  meter(metered, admission) {
    if (metered.lane === "translated") {
      const inputTokens = admission.counted && metered.bounded !== true ? admission.promptTokens : undefined;
      return { ...metered, result: chatOperation.meter(metered.result, admission), ...(inputTokens !== undefined ? { inputTokens } : {}) };
    }
    const result = chatOperation.meter(metered.result, admission);
    // Unchanged (a whole answer, or nothing counted): no new wrapper.
    if (result === metered.result || result.kind !== "passthrough") return metered;
    return { lane: "native", result };
  },
};
