// Fake Anthropic Messages API: POST /v1/messages as JSON or as the named-event SSE sequence
// (message_start, content_block_start/delta/stop, message_delta, message_stop, with a ping),
// `{type:"error",error:{type,message}}` error bodies, the `event: error` frame, GET /v1/models,
// POST /v1/messages/count_tokens.
import {
  FakeUpstream,
  splitArguments,
  splitText,
  type FinishReason,
  type Protocol,
  type RecordedRequest,
  type ScriptedReply,
} from "./fake-upstream.ts";

interface MessagesBody {
  model?: string;
  stream?: boolean;
}

const bodyOf = (req: RecordedRequest): MessagesBody => (typeof req.body === "object" && req.body !== null ? req.body : {});

const STOP_REASONS: Record<FinishReason, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

function stopReasonOf(reply: ScriptedReply): string {
  return STOP_REASONS[reply.finish ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop")];
}

function toolUsesOf(reply: ScriptedReply) {
  return (reply.toolCalls ?? []).map((call, i) => ({
    type: "tool_use" as const,
    id: call.id ?? `toolu_fake_${i}`,
    name: call.name,
    input: call.arguments,
  }));
}

const usageOf = (reply: ScriptedReply, output: number) => ({
  input_tokens: reply.usage?.prompt ?? 0,
  output_tokens: output,
  cache_creation_input_tokens: reply.usage?.cacheWrite ?? 0,
  cache_read_input_tokens: reply.usage?.cacheRead ?? 0,
  cache_creation: null,
  server_tool_use: null,
  service_tier: "standard",
  inference_geo: null,
  output_tokens_details: null,
  speed: null,
});

/** What the fake's count_tokens answers, whatever it is asked. */
export const COUNTED_TOKENS = 4242;

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export const anthropicProtocol: Protocol = {
  name: "anthropic",
  streamContentType: "text/event-stream; charset=utf-8",
  classify(req) {
    if (req.method === "POST" && req.path === "/v1/messages") return { chat: true, stream: bodyOf(req).stream === true };
    return { chat: false };
  },
  renderJson(reply, req) {
    const content = [
      ...(reply.text ? [{ type: "text", text: reply.text, citations: null }] : []),
      ...toolUsesOf(reply),
    ];
    return {
      status: 200,
      headers: { "request-id": "req_fake_json" },
      body: {
        id: "msg_fake_json",
        type: "message",
        role: "assistant",
        model: reply.model ?? bodyOf(req).model ?? "claude-fake",
        content,
        stop_reason: stopReasonOf(reply),
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: usageOf(reply, reply.usage?.completion ?? 0),
      },
    };
  },
  renderStream(reply, req) {
    const model = reply.model ?? bodyOf(req).model ?? "claude-fake";
    const frames = [
      event("message_start", {
        type: "message_start",
        message: {
          id: "msg_fake_stream",
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          stop_details: null,
          container: null,
          diagnostics: null,
          usage: usageOf(reply, 1),
        },
      }),
      event("ping", { type: "ping" }),
    ];
    let index = 0;
    if (reply.text) {
      frames.push(event("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "", citations: null } }));
      for (const piece of splitText(reply.text, reply.pieces)) {
        frames.push(event("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } }));
      }
      frames.push(event("content_block_stop", { type: "content_block_stop", index }));
      index++;
    }
    for (const use of toolUsesOf(reply)) {
      frames.push(event("content_block_start", { type: "content_block_start", index, content_block: { ...use, input: {} } }));
      frames.push(event("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } }));
      for (const part of splitArguments(JSON.stringify(use.input))) {
        frames.push(event("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: part } }));
      }
      frames.push(event("content_block_stop", { type: "content_block_stop", index }));
      index++;
    }
    frames.push(
      event("message_delta", {
        type: "message_delta",
        delta: { stop_reason: stopReasonOf(reply), stop_sequence: null, stop_details: null, container: null },
        usage: {
          input_tokens: null,
          output_tokens: reply.usage?.completion ?? 0,
          cache_creation_input_tokens: null,
          cache_read_input_tokens: null,
          server_tool_use: null,
          output_tokens_details: null,
        },
      }),
      event("message_stop", { type: "message_stop" }),
    );
    return frames;
  },
  renderError(status, message) {
    return {
      type: "error",
      error: { type: ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error"), message },
      request_id: "req_fake_error",
    };
  },
  renderStreamError(message) {
    return event("error", { type: "error", error: { type: "overloaded_error", message } });
  },
  other(req) {
    if (req.method === "POST" && req.path === "/v1/messages/count_tokens") return { status: 200, body: { input_tokens: COUNTED_TOKENS } };
    if (req.method === "GET" && req.path === "/v1/models") {
      const data = ["claude-sonnet-4-5", "claude-haiku-4-5"].map((id) => ({
        type: "model",
        id,
        display_name: id,
        created_at: "2025-10-01T00:00:00Z",
      }));
      return { status: 200, body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null } };
    }
    return undefined;
  },
};

export const startAnthropicFake = () => FakeUpstream.start(anthropicProtocol);
