// Fake Ollama upstream: `POST /api/chat` answering one JSON object (`stream: false`) or NDJSON
// lines (the default when `stream` is absent), the last with `done: true`, `done_reason` and the
// token counts; `{"error": "..."}` bodies and in-stream error lines; `GET /api/tags`.
// Like the real server, tool calls come whole with object arguments and no id, and
// `done_reason` stays "stop" when the answer is tool calls. `POST /api/embed` answers
// deterministic vectors with `prompt_eval_count` as the token count.
import { fakeEmbeddings, fakeTokenCount } from "./embedding-vectors.ts";
import { FakeUpstream, splitText, type JsonReply, type Protocol, type RecordedRequest, type ScriptedEmbeddings, type ScriptedReply } from "./fake-upstream.ts";

interface OllamaBody {
  model?: string;
  stream?: boolean;
}

const CREATED_AT = "2025-06-01T12:00:00.000000Z";

const bodyOf = (req: RecordedRequest): OllamaBody =>
  typeof req.body === "object" && req.body !== null ? (req.body) : {};

const modelOf = (reply: ScriptedReply, req: RecordedRequest) => reply.model ?? bodyOf(req).model ?? "llama3.1:8b";

function toolCallsOf(reply: ScriptedReply) {
  return (reply.toolCalls ?? []).map((call, index) => ({
    function: { index, name: call.name, arguments: call.arguments },
  }));
}

/** Ollama has no content filter; anything but a length stop is reported as "stop". */
const doneReasonOf = (reply: ScriptedReply) => (reply.finish === "length" ? "length" : "stop");

function finalFields(reply: ScriptedReply) {
  const usage = reply.usage ?? { prompt: 0, completion: 0 };
  return {
    done: true,
    done_reason: doneReasonOf(reply),
    total_duration: 1_234_567_890,
    load_duration: 12_345_678,
    prompt_eval_count: usage.prompt,
    prompt_eval_duration: 123_456_789,
    eval_count: usage.completion,
    eval_duration: 987_654_321,
  };
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

interface EmbedBody {
  model?: string;
  input?: string | string[];
  dimensions?: number;
}

function renderEmbed(req: RecordedRequest, script: ScriptedEmbeddings): JsonReply {
  const body = req.body as EmbedBody;
  const inputs = typeof body.input === "string" ? [body.input] : (body.input ?? []);
  return {
    status: 200,
    body: {
      model: body.model ?? "nomic-embed-text",
      embeddings: fakeEmbeddings(inputs, body.dimensions, script),
      total_duration: 14_143_917,
      load_duration: 1_019_500,
      prompt_eval_count: fakeTokenCount(inputs),
    },
  };
}

export const ollamaProtocol: Protocol = {
  name: "ollama",
  streamContentType: "application/x-ndjson",
  classify(req) {
    if (req.method === "POST" && req.path === "/api/chat") {
      // Ollama streams unless told otherwise.
      return { chat: true, stream: bodyOf(req).stream !== false };
    }
    return { chat: false };
  },
  renderJson(reply, req) {
    const toolCalls = toolCallsOf(reply);
    return {
      status: 200,
      body: {
        model: modelOf(reply, req),
        created_at: CREATED_AT,
        message: {
          role: "assistant",
          content: reply.text ?? "",
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        ...finalFields(reply),
      },
    };
  },
  renderStream(reply, req) {
    const model = modelOf(reply, req);
    const frames = splitText(reply.text ?? "", reply.pieces).map((piece) =>
      line({ model, created_at: CREATED_AT, message: { role: "assistant", content: piece }, done: false }),
    );
    for (const call of toolCallsOf(reply)) {
      frames.push(line({ model, created_at: CREATED_AT, message: { role: "assistant", content: "", tool_calls: [call] }, done: false }));
    }
    frames.push(line({ model, created_at: CREATED_AT, message: { role: "assistant", content: "" }, ...finalFields(reply) }));
    return frames;
  },
  renderError(_status, message) {
    return { error: message };
  },
  renderStreamError(message) {
    return line({ error: message });
  },
  other(req) {
    if (req.method === "GET" && req.path === "/api/tags") {
      return {
        status: 200,
        body: {
          models: [
            {
              name: "llama3.1:8b",
              model: "llama3.1:8b",
              modified_at: "2025-05-20T09:30:00.000000Z",
              size: 4_920_753_328,
              digest: "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e",
              details: { parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "8.0B", quantization_level: "Q4_K_M" },
            },
            {
              name: "qwen3:4b",
              model: "qwen3:4b",
              modified_at: "2025-05-21T10:00:00.000000Z",
              size: 2_497_293_931,
              digest: "2bfd38a7daaf4b8e5e1b9a2a1fe0a9c51b9ad7a9ffb56a43d3af4a1d1c5c0e2f",
              details: { parent_model: "", format: "gguf", family: "qwen3", families: ["qwen3"], parameter_size: "4.0B", quantization_level: "Q4_K_M" },
            },
          ],
        },
      };
    }
    if (req.method === "GET" && req.path === "/api/version") {
      return { status: 200, body: { version: "0.12.6" } };
    }
    return undefined;
  },
  embeddings: {
    matches: (req) => req.method === "POST" && req.path === "/api/embed",
    render: renderEmbed,
  },
};

export const startOllamaFake = () => FakeUpstream.start(ollamaProtocol);
