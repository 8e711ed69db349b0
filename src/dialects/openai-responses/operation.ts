// The Responses operation, per target: the native lane when the provider serves the Responses
// API itself (the body as sent, `model` set), the translated lane (canonical chat) otherwise.
// A request that continues a response created upstream is served by that provider alone: every
// other target is skipped, so a fallback never continues a conversation without its history.
import type { Operation } from "../../pipeline/operation.ts";
import { chatOperation, untilFirstChunk } from "../../pipeline/operations/chat.ts";
import { GatewayInputError } from "../../providers/input-error.ts";
import type { ChatResult, PassthroughResult, ProviderAdapter } from "../../providers/types.ts";
import { withoutRoutingHints } from "../../routing/hints.ts";
import type { ResponsesCall } from "./call.ts";

export type ResponsesResult =
  | { readonly lane: "translated"; readonly provider: string; readonly result: ChatResult }
  | { readonly lane: "native"; readonly provider: string; readonly result: PassthroughResult };

export function speaksResponses(adapter: ProviderAdapter): adapter is ProviderAdapter & Required<Pick<ProviderAdapter, "native">> {
  return adapter.native !== undefined && adapter.speaks?.("openai-responses") === true;
}

export const responsesOperation: Operation<ResponsesCall, ResponsesResult> = {
  kind: "chat",
  async call(adapter, call, model, options) {
    const pinned = call.conversation.pinned;
    if (pinned !== undefined && adapter.id !== pinned) {
      throw new GatewayInputError(
        `previous_response_id '${call.wire.previousResponseId ?? ""}' was created by provider '${pinned}', which alone holds its history; it cannot be continued on '${adapter.id}'`,
        "previous_response_id",
        "previous_response_elsewhere",
      );
    }
    if (speaksResponses(adapter)) {
      const request = { method: "POST" as const, path: "/responses", body: call.nativeBody, stream: call.wire.stream };
      const result = await untilFirstChunk(await adapter.native("openai-responses", request, model, options));
      return { lane: "native", provider: adapter.id, result: result as PassthroughResult };
    }
    const { untranslatable, dropped } = call.translation;
    if (untranslatable) throw untranslatable;
    if (dropped > 0) options.warn?.(`${dropped} reasoning item(s) dropped: provider '${adapter.id}' cannot use them`);
    // The gateway's routing hints are read by routing alone, never sent upstream.
    return { lane: "translated", provider: adapter.id, result: await chatOperation.call(adapter, withoutRoutingHints(call.translation.chat), model, options) };
  },
  // The call itself, not a copy: the native lane sends the body as it came, the translated lane takes the hints out above.
  upstreamRequest: (call) => call,
  promptTokens: (call, model) => chatOperation.promptTokens(call.translation.chat, model),
  // As chat's: far from every limit the limiter reserves a bound and runs no tokenizer.
  promptTokenBound: (call, model) => chatOperation.promptTokenBound?.(call.translation.chat, model),
  completionBudget: (call, defaultMaxTokens) => chatOperation.completionBudget(call.translation.chat, defaultMaxTokens),
  meter(served, admission) {
    const result = chatOperation.meter(served.result, admission);
    return served.lane === "native" ? { ...served, result: result as PassthroughResult } : { ...served, result };
  },
};
