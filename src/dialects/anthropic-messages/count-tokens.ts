// `POST /v1/messages/count_tokens` (also `?beta=true`): counted by the upstream itself when the
// target speaks Messages, otherwise estimated by the gateway over system, messages and tools, so
// Claude Code's context meter and compaction work whatever serves the model. Never a 404. A
// count is not a generation: it reserves no tokens against the key's limits.
import type { FrontDoor } from "../../pipeline/front-door.ts";
import type { Operation } from "../../pipeline/operation.ts";
import { primedPassthrough } from "../../pipeline/operations/chat.ts";
import { estimatePromptTokens } from "../../limits/tokens.ts";
import type { PassthroughResult } from "../../providers/types.ts";
import { renderMessagesError } from "./errors.ts";
import { nativeRequest, speaksMessages } from "./operation.ts";
import { writeMessages } from "./reply.ts";
import { chatOf, MESSAGES_BODY, type MessagesRequest } from "./request.ts";
import { bodyText } from "./body-text.ts";
import { messagesFeatures } from "./features.ts";
import { routingView } from "./routing-view.ts";
import { parseCountTokens } from "./validate.ts";

export type CountResult = { lane: "native"; result: PassthroughResult } | { lane: "estimate"; inputTokens: number };

const countOperation: Operation<MessagesRequest, CountResult> = {
  kind: "chat",
  async call(adapter, req, model, options) {
    if (!speaksMessages(adapter)) return { lane: "estimate", inputTokens: estimatePromptTokens(chatOf(req), model) };
    const result = await adapter.native("anthropic-messages", nativeRequest(req[MESSAGES_BODY], "/messages/count_tokens"), model, options);
    return { lane: "native", result: await primedPassthrough(result) };
  },
  upstreamRequest: (req) => req,
  promptTokens: () => 0,
  completionBudget: () => 0,
  meter: (result) => result,
};

export const anthropicCountTokens: FrontDoor<MessagesRequest, CountResult> = {
  api: "messages",
  path: "/messages/count_tokens",
  operation: countOperation,
  parse: parseCountTokens,
  streams: () => false,
  routed: (req) => ({ req: routingView(req), texts: bodyText(req[MESSAGES_BODY].body), features: messagesFeatures(req[MESSAGES_BODY].body) }),
  renderError: renderMessagesError,
  logBody: () => undefined,
  logOutput: (result) => result,
  async write(res, result, { req, headers, redact }) {
    const outcome = { usage: { prompt_tokens: 0, completion_tokens: 0 }, firstByteAt: performance.now(), streamError: undefined, clientGone: false };
    if (result.lane === "native") {
      await writeMessages(res, result, { req, headers, redact, pingIntervalMs: 0 });
      return outcome;
    }
    const body = JSON.stringify({ input_tokens: result.inputTokens });
    res.writeHead(200, { ...headers, "request-id": headers["x-request-id"] ?? "", "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
    return outcome;
  },
};
