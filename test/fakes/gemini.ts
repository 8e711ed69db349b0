// Fake Gemini API (v1beta): `POST /v1beta/models/{model}:generateContent` (JSON) and
// `:streamGenerateContent?alt=sse` (SSE `data:` events of GenerateContentResponse, CRLF framed, no
// end marker), Google's `{error:{code,message,status,details}}` bodies, and the paged
// `GET /v1beta/models` list. Like Gemini 2.5+/3 it signs the first function call of a reply
// with a `thoughtSignature`, and it repeats the running usageMetadata on every stream event.
// `:batchEmbedContents` answers deterministic vectors (one per request, the parts of a content
// embedded together as the real API does), no usage, and refuses more than 100 requests.
import { fakeEmbeddings } from "./embedding-vectors.ts";
import {
  FakeUpstream,
  splitText,
  type FinishReason,
  type Protocol,
  type JsonReply,
  type RecordedRequest,
  type ScriptedEmbeddings,
  type ScriptedReply,
} from "./fake-upstream.ts";

const CHAT_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const EMBED_PATH = /^\/v1beta\/models\/([^/:]+):batchEmbedContents$/;
/** Gemini's own cap on requests per batchEmbedContents call. */
export const GEMINI_EMBED_BATCH_LIMIT = 100;

interface EmbedRequest {
  model?: string;
  content?: { parts?: { text?: string }[] };
  outputDimensionality?: number;
}

/** The batchEmbedContents answer: one `{values}` per request, in request order. */
function renderEmbeddings(req: RecordedRequest, script: ScriptedEmbeddings): JsonReply {
  const model = EMBED_PATH.exec(req.path)?.[1] ?? "";
  const requests = (req.body as { requests?: EmbedRequest[] } | undefined)?.requests ?? [];
  const invalid = (message: string): JsonReply => ({ status: 400, body: geminiProtocol.renderError(400, message) });
  if (requests.length > GEMINI_EMBED_BATCH_LIMIT) {
    return invalid(`* BatchEmbedContentsRequest.requests: at most ${GEMINI_EMBED_BATCH_LIMIT} requests can be in one batch\n`);
  }
  if (requests.some((r) => r.model !== `models/${model}`)) {
    return invalid(`* BatchEmbedContentsRequest.model: unexpected model name format\n`);
  }
  const texts = requests.map((r) => (r.content?.parts ?? []).map((p) => p.text ?? "").join(""));
  const vectors = fakeEmbeddings(texts, requests[0]?.outputDimensionality, script);
  return { status: 200, body: { embeddings: vectors.map((values) => ({ values })) } };
}

const FINISH: Record<FinishReason, string> = {
  stop: "STOP",
  length: "MAX_TOKENS",
  tool_calls: "STOP", // Gemini reports STOP when it answers with function calls
  content_filter: "SAFETY",
};

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

export const FAKE_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-flash-preview"];
/** The list route pages at most this many models, so clients must follow nextPageToken. */
const MODELS_PAGE = 2;

/** The signature the fake attaches to the first function call of a reply. */
export function fakeThoughtSignature(name: string): string {
  // Bytes that make standard base64 use `+`, `/` and padding, as real signatures do.
  return Buffer.from(`\xfb\xff\xfe thought:${name}`, "latin1").toString("base64");
}

interface GeminiBody {
  generationConfig?: { candidateCount?: number };
}

const bodyOf = (req: RecordedRequest): GeminiBody =>
  typeof req.body === "object" && req.body !== null ? req.body : {};

const modelOf = (req: RecordedRequest, reply: ScriptedReply) => reply.model ?? CHAT_PATH.exec(req.path)?.[1] ?? "gemini-fake";

function candidateCount(req: RecordedRequest): number {
  return Math.max(1, bodyOf(req).generationConfig?.candidateCount ?? 1);
}

function functionCallParts(reply: ScriptedReply) {
  return (reply.toolCalls ?? []).map((call, i) => ({
    functionCall: { name: call.name, args: call.arguments },
    // Parallel calls: only the first carries the signature.
    ...(i === 0 ? { thoughtSignature: fakeThoughtSignature(call.name) } : {}),
  }));
}

function finishOf(reply: ScriptedReply): string {
  return FINISH[reply.finish ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop")];
}

function usageOf(reply: ScriptedReply, completion?: number) {
  const u = reply.usage ?? { prompt: 0, completion: 0 };
  const c = completion ?? u.completion;
  return { promptTokenCount: u.prompt, candidatesTokenCount: c, totalTokenCount: u.prompt + c };
}

function envelope(req: RecordedRequest, reply: ScriptedReply, candidates: unknown[], usage: unknown) {
  return { candidates, usageMetadata: usage, modelVersion: modelOf(req, reply), responseId: "fakeResp01" };
}

function replicate(req: RecordedRequest, candidate: (index: number) => unknown): unknown[] {
  return Array.from({ length: candidateCount(req) }, (_, index) => candidate(index));
}

export const geminiProtocol: Protocol = {
  name: "gemini",
  streamContentType: "text/event-stream",
  classify(req) {
    const match = CHAT_PATH.exec(req.path);
    if (req.method !== "POST" || !match) return { chat: false };
    return { chat: true, stream: match[2] === "streamGenerateContent" };
  },
  renderJson(reply, req) {
    const parts = [...(reply.text ? [{ text: reply.text }] : []), ...functionCallParts(reply)];
    const candidates = replicate(req, (index) => ({
      content: parts.length > 0 ? { role: "model", parts } : { role: "model" },
      finishReason: finishOf(reply),
      index,
    }));
    return { status: 200, body: envelope(req, reply, candidates, usageOf(reply)) };
  },
  renderStream(reply, req) {
    const frame = (candidates: unknown[], usage: unknown) => `data: ${JSON.stringify(envelope(req, reply, candidates, usage))}\r\n\r\n`;
    const total = reply.usage?.completion ?? 0;
    const pieces = splitText(reply.text ?? "", reply.pieces);
    const frames = pieces.map((text, i) =>
      frame(
        replicate(req, (index) => ({ content: { role: "model", parts: [{ text }] }, index })),
        // Running totals, as Gemini repeats them on every event.
        usageOf(reply, Math.floor((total * (i + 1)) / (pieces.length + 1))),
      ),
    );
    const calls = functionCallParts(reply);
    if (calls.length > 0) {
      frames.push(frame(replicate(req, (index) => ({ content: { role: "model", parts: calls }, index })), usageOf(reply, total)));
    }
    frames.push(
      frame(replicate(req, (index) => ({ content: { role: "model", parts: [{ text: "" }] }, finishReason: finishOf(reply), index })), usageOf(reply)),
    );
    return frames;
  },
  renderError(status, message) {
    // Gemini puts the wait into RetryInfo (and the message: "Please retry in 7s.").
    const delay = /retry in (\d+(?:\.\d+)?)s/i.exec(message)?.[1];
    return {
      error: {
        code: status,
        message,
        status: STATUS[status] ?? "UNKNOWN",
        ...(delay !== undefined ? { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${delay}s` }] } : {}),
      },
    };
  },
  renderStreamError(message) {
    return `data: ${JSON.stringify({ error: { code: 500, message, status: "INTERNAL" } })}\r\n\r\n`;
  },
  other(req) {
    if (req.method !== "GET" || req.path !== "/v1beta/models") return undefined;
    const start = Number(req.query.get("pageToken")?.replace("page-", "") ?? 0);
    const size = Math.min(MODELS_PAGE, Number(req.query.get("pageSize") ?? MODELS_PAGE));
    const page = FAKE_MODELS.slice(start, start + size);
    const next = start + size < FAKE_MODELS.length ? { nextPageToken: `page-${start + size}` } : {};
    return {
      status: 200,
      body: {
        models: page.map((name) => ({
          name: `models/${name}`,
          version: "001",
          displayName: name,
          inputTokenLimit: 1_048_576,
          outputTokenLimit: 65_536,
          supportedGenerationMethods: ["generateContent", "countTokens"],
        })),
        ...next,
      },
    };
  },
  embeddings: {
    matches: (req) => req.method === "POST" && EMBED_PATH.test(req.path),
    render: renderEmbeddings,
  },
};

export const startGeminiFake = () => FakeUpstream.start(geminiProtocol);
