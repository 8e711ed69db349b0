// Fake OpenAI Chat Completions upstream: JSON, SSE `chat.completion.chunk`s with tool-call
// deltas, the usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`.
// `POST /embeddings` answers deterministic vectors, as float arrays by default or base64 of
// float32 when `encoding_format: "base64"` is asked, and refuses empty strings as OpenAI does.
import { fakeEmbeddings, fakeTokenCount, float32Base64, type FakeEmbeddingInput } from "./embedding-vectors.ts";
import {
  FakeUpstream,
  type JsonReply,
  splitArguments,
  splitText,
  type Protocol,
  type RecordedRequest,
  type ScriptedEmbeddings,
  type ScriptedReply,
} from "./fake-upstream.ts";

interface OpenAIBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

const bodyOf = (req: RecordedRequest): OpenAIBody =>
  typeof req.body === "object" && req.body !== null ? (req.body) : {};

function toolCallsOf(reply: ScriptedReply) {
  return (reply.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? `call_fake_${i}`,
    type: "function" as const,
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }));
}

function usageOf(reply: ScriptedReply) {
  const u = reply.usage ?? { prompt: 0, completion: 0 };
  return { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion };
}

interface EmbeddingsBody {
  model?: string;
  input?: string | FakeEmbeddingInput[] | number[];
  dimensions?: number;
  encoding_format?: string;
}

function inputsOf(input: EmbeddingsBody["input"]): FakeEmbeddingInput[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [input];
  return typeof input[0] === "number" ? [input as number[]] : (input as FakeEmbeddingInput[]);
}

/** OpenAI's embeddings answer for this request (Azure's is the same). */
export function renderOpenAIEmbeddings(req: RecordedRequest, script: ScriptedEmbeddings): JsonReply {
  const body = req.body as EmbeddingsBody;
  const inputs = inputsOf(body.input);
  if (inputs.some((input) => input === "")) {
    return { status: 400, body: { error: { message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", type: "invalid_request_error", param: null, code: null } } };
  }
  const base64 = body.encoding_format === "base64";
  const tokens = fakeTokenCount(inputs);
  return {
    status: 200,
    body: {
      object: "list",
      data: fakeEmbeddings(inputs, body.dimensions, script).map((vector, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? float32Base64(vector) : vector,
      })),
      model: body.model ?? "text-embedding-fake",
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

export const openaiProtocol: Protocol = {
  name: "openai",
  streamContentType: "text/event-stream",
  classify(req) {
    if (req.method === "POST" && req.path.endsWith("/chat/completions")) {
      return { chat: true, stream: bodyOf(req).stream === true };
    }
    return { chat: false };
  },
  renderJson(reply, req) {
    const toolCalls = toolCallsOf(reply);
    return {
      status: 200,
      body: {
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: 1_700_000_000,
        model: reply.model ?? bodyOf(req).model ?? "fake-model",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: toolCalls.length > 0 && !reply.text ? null : (reply.text ?? ""),
              refusal: null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: reply.finish ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
            ...(reply.stopReason !== undefined ? { stop_reason: reply.stopReason } : {}),
          },
        ],
        usage: usageOf(reply),
        system_fingerprint: "fp_fake",
      },
    };
  },
  renderStream(reply, req) {
    const body = bodyOf(req);
    const model = reply.model ?? body.model ?? "fake-model";
    const base = { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1_700_000_000, model, system_fingerprint: "fp_fake" };
    const includeUsage = body.stream_options?.include_usage === true;
    const frame = (choices: unknown[], usage: unknown = null) =>
      `data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage } : {}) })}\n\n`;
    const frames = [frame([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }])];
    for (const piece of splitText(reply.text ?? "", reply.pieces)) {
      frames.push(frame([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
    }
    toolCallsOf(reply).forEach((call, index) => {
      frames.push(
        frame([{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, logprobs: null, finish_reason: null }]),
      );
      for (const part of splitArguments(call.function.arguments)) {
        frames.push(frame([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: part } }] }, logprobs: null, finish_reason: null }]));
      }
    });
    const finish = reply.finish ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop");
    frames.push(frame([{ index: 0, delta: {}, logprobs: null, finish_reason: finish, ...(reply.stopReason !== undefined ? { stop_reason: reply.stopReason } : {}) }]));
    if (includeUsage) frames.push(frame([], usageOf(reply)));
    frames.push("data: [DONE]\n\n");
    return frames;
  },
  renderError(status, message) {
    const type = status === 401 ? "authentication_error" : status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
    return { error: { message, type, param: null, code: status === 404 ? "model_not_found" : null } };
  },
  renderStreamError(message) {
    return `data: ${JSON.stringify({ error: { message, type: "server_error", param: null, code: null } })}\n\n`;
  },
  other(req) {
    if (req.method === "GET" && req.path.endsWith("/models")) {
      return { status: 200, body: { object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: 1_700_000_000, owned_by: "openai" }] } };
    }
    return undefined;
  },
  embeddings: {
    matches: (req) => req.method === "POST" && req.path.endsWith("/embeddings"),
    render: renderOpenAIEmbeddings,
  },
};

export const startOpenAIFake = () => FakeUpstream.start(openaiProtocol);
