// The OpenAI Responses front door, `POST /v1/responses`: the body is validated and its
// conversation resolved from the response store (previous_response_id, item_reference); routing
// reads the canonical chat translation and every string of the body and its history; the target
// is served on the native lane when its provider speaks Responses, translated otherwise.
import type { FrontDoor } from "../../pipeline/front-door.ts";
import { bodyText } from "../../routing/request-text.ts";
import { captureCompletion, captureRelayed } from "../../telemetry/completion-capture.ts";
import { redactSecrets, redactValue } from "../../telemetry/redact.ts";
import { parseResponsesCall, type ResponsesCall } from "./call.ts";
import { responsesCacheLane } from "./cache-lane.ts";
import { responsesOperation, type ResponsesResult } from "./operation.ts";
import { responsesText } from "./output-text.ts";
import { writeResponses } from "./reply.ts";

export const openaiResponses: FrontDoor<ResponsesCall, ResponsesResult> = {
  api: "responses",
  path: "/responses",
  operation: { ...responsesOperation, translatedLane: responsesCacheLane },
  parse: parseResponsesCall,
  routed: (call) => ({
    req: call.translation.chat,
    // The body as sent (the native lane forwards it) with the stored history it continues.
    texts: bodyText({ ...call.wire.body, input: [...call.conversation.history, ...call.conversation.items] }),
  }),
  streams: (call) => call.wire.stream,
  logBody(call, record) {
    record.messages = redactValue(call.translation.chat.messages);
  },
  logOutput(served, record) {
    const done = (text: string) => (record.completion = redactSecrets(text));
    // The native lane's bytes are the upstream's Responses answer; the translated lane's a chat result.
    if (served.lane === "native") return { ...served, result: captureRelayed(served.result, responsesText, done) };
    return { ...served, result: captureCompletion(served.result, done) };
  },
  write: (res, result, { req, headers, redact }) => writeResponses(res, result, { call: req, headers, redact }),
};
