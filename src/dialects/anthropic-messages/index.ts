// The Anthropic Messages front door, `POST /v1/messages` (also `?beta=true`, as Claude Code
// sends it): the body is checked for what the gateway needs, routing reads it as it came (its
// texts, its measured features, the routing hints), targets that speak Messages get it as it
// came, and it is translated to the canonical chat request only for a target that does not
// (or for the token estimate when a key has a token limit). Errors use Anthropic's envelope.
import type { FrontDoor } from "../../pipeline/front-door.ts";
import { captureCompletion } from "../../telemetry/completion-capture.ts";
import { redactSecrets, redactValue } from "../../telemetry/redact.ts";
import { bodyText } from "./body-text.ts";
import { messagesFeatures } from "./features.ts";
import { routingView } from "./routing-view.ts";
import { renderMessagesError } from "./errors.ts";
import { messagesCacheLane } from "./cache-lane.ts";
import { PING_INTERVAL_MS } from "./events.ts";
import { messagesOperation, type MessagesResult } from "./operation.ts";
import { writeMessages } from "./reply.ts";
import { MESSAGES_BODY, type MessagesRequest } from "./request.ts";
import { parseMessages } from "./validate.ts";

export const anthropicMessages: FrontDoor<MessagesRequest, MessagesResult> = {
  api: "messages",
  path: "/messages",
  operation: { ...messagesOperation, translatedLane: messagesCacheLane },
  parse: parseMessages,
  streams: (req) => req[MESSAGES_BODY].stream,
  // Routing reads the body as the native lane sends it: no chat request is built for it.
  routed: (req) => ({ req: routingView(req), texts: bodyText(req[MESSAGES_BODY].body), features: messagesFeatures(req[MESSAGES_BODY].body) }),
  renderError: renderMessagesError,
  logBody(req, record) {
    const { body } = req[MESSAGES_BODY];
    record.messages = redactValue({ system: body["system"], messages: body["messages"] });
  },
  logOutput(metered, record) {
    // The native lane's bytes are relayed untouched, not read for text.
    if (metered.lane === "native") return metered;
    return { ...metered, result: captureCompletion(metered.result, (text) => (record.completion = redactSecrets(text))) };
  },
  write: (res, result, { req, headers, redact }) => writeMessages(res, result, { req, headers, redact, pingIntervalMs: PING_INTERVAL_MS }),
};
