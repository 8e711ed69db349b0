// The OpenAI Chat Completions front door, `POST /v1/chat/completions`: the canonical form is
// this API's own, so parsing is validation and encoding writes the result as it is (JSON, SSE,
// or the upstream's bytes relayed on the passthrough lane).
import type { FrontDoor } from "../../pipeline/front-door.ts";
import { chatOperation } from "../../pipeline/operations/chat.ts";
import type { ChatRequest, ChatResult } from "../../providers/types.ts";
import { captureCompletion } from "../../telemetry/completion-capture.ts";
import { redactSecrets, redactValue } from "../../telemetry/redact.ts";
import { writeResult } from "./reply.ts";
import { validateChatRequest } from "./validate.ts";

export const openaiChat: FrontDoor<ChatRequest, ChatResult> = {
  api: "chat",
  path: "/chat/completions",
  operation: chatOperation,
  parse: validateChatRequest,
  routed: (req) => ({ req }),
  streams: (req) => req.stream === true,
  logBody(req, record) {
    record.messages = redactValue(req.messages);
  },
  logOutput: (result, record) => captureCompletion(result, (text) => (record.completion = redactSecrets(text))),
  write: (res, result, { req, headers, redact }) => writeResult(res, result, { includeUsage: req.stream_options?.include_usage === true, headers, redact }),
};
