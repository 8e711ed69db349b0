// A fast fake OpenAI Chat Completions (and Embeddings, and Anthropic Messages) upstream for load
// tests: node:http only, responses
// pre-rendered per model, deterministic fault injection. Knobs are set on the command line and
// can be changed at run time (POST /__bench/knobs) so one process serves every scenario.
//
//   node bench/fake-upstream.ts --port 0 --delay-ms 0 --size 256 --ttfb-ms 0 --chunks 20 \
//     --interval-ms 10 --rate-429 0 --rate-500 0 --stall-rate 0 --stall-after -1
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { listeningLine, numberFlag, parseFlags } from "./cli/flags.ts";
import { exitWithParent } from "./process/exit-with-parent.ts";

export interface FakeKnobs {
  /** Non-stream: wait this long before answering. */
  delayMs: number;
  /** Completion text size in bytes (streams split it over `chunks`). */
  sizeBytes: number;
  /** Streams: headers go out at once; the first frame after this long. */
  ttfbMs: number;
  /** Streams: content frames after the first (role) frame. */
  chunks: number;
  /** Streams: gap between frames. */
  intervalMs: number;
  /** Share (0..1) of chat requests answered 429 / 500; spread evenly, not random. */
  rate429: number;
  rate500: number;
  /** Share of chat requests never answered (the socket stays open). */
  stallRate: number;
  /** Streams stop after this many frames and hold the socket open; -1 is off. */
  stallAfter: number;
}

export const defaultKnobs: FakeKnobs = {
  delayMs: 0,
  sizeBytes: 256,
  ttfbMs: 0,
  chunks: 20,
  intervalMs: 10,
  rate429: 0,
  rate500: 0,
  stallRate: 0,
  stallAfter: -1,
};

export interface FakeStats {
  /** Chat requests received. */
  requests: number;
  /** Chat responses started and not yet finished or closed. */
  inflight: number;
  /** Chat responses the client closed before they finished. */
  aborted: number;
  /** Open TCP connections right now. */
  sockets: number;
  /** TCP connections accepted since start. */
  connections: number;
  statuses: Record<string, number>;
}

export interface FakeUpstreamServer {
  readonly port: number;
  readonly origin: string;
  knobs(): FakeKnobs;
  setKnobs(partial: Partial<FakeKnobs>): FakeKnobs;
  stats(): FakeStats;
  resetStats(): void;
  close(): Promise<void>;
}

/** Frames a client should count for one stream (role + content + finish [+ usage] + [DONE]). */
export const expectedFrames = (knobs: FakeKnobs, includeUsage: boolean): number => knobs.chunks + 3 + (includeUsage ? 1 : 0);

interface ChatBody {
  model: string;
  stream: boolean;
  includeUsage: boolean;
}

function readChatBody(raw: string): ChatBody | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const body = parsed as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
    return {
      model: typeof body.model === "string" ? body.model : "fake-model",
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    };
  } catch {
    return undefined;
  }
}

const PROMPT_TOKENS = 11;

function completionText(sizeBytes: number): string {
  const word = "lorem ";
  return word.repeat(Math.ceil(sizeBytes / word.length)).slice(0, sizeBytes);
}

/** Embeddings vectors are text-embedding-3-small's width unless `dimensions` asks for fewer. */
const EMBED_WIDTH = 1536;

interface EmbedBody {
  model: string;
  inputs: number;
  base64: boolean;
  width: number;
}

function readEmbedBody(raw: string): EmbedBody | undefined {
  try {
    const body = JSON.parse(raw) as { model?: unknown; input?: unknown; encoding_format?: unknown; dimensions?: unknown };
    const inputs = Array.isArray(body.input) && typeof body.input[0] !== "number" ? body.input.length : 1;
    const width = typeof body.dimensions === "number" ? body.dimensions : EMBED_WIDTH;
    return { model: typeof body.model === "string" ? body.model : "text-embedding-3-small", inputs, base64: body.encoding_format === "base64", width };
  } catch {
    return undefined;
  }
}

/** OpenAI's embeddings answer: one vector per input, JSON numbers or base64 of float32. */
function renderEmbeddings(body: EmbedBody): Buffer {
  const values = Array.from({ length: body.width }, (_, i) => Math.round(Math.sin(i) * 1024) / 1024);
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  const embedding = body.base64 ? bytes.toString("base64") : values;
  return Buffer.from(
    JSON.stringify({
      object: "list",
      data: Array.from({ length: body.inputs }, (_, index) => ({ object: "embedding", index, embedding })),
      model: body.model,
      usage: { prompt_tokens: body.inputs * 20, total_tokens: body.inputs * 20 },
    }),
  );
}

function renderCompletion(model: string, knobs: FakeKnobs): Buffer {
  const text = completionText(knobs.sizeBytes);
  const completionTokens = Math.max(1, Math.ceil(text.length / 4));
  return Buffer.from(
    JSON.stringify({
      id: "chatcmpl-bench",
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: completionTokens, total_tokens: PROMPT_TOKENS + completionTokens },
      system_fingerprint: "fp_bench",
    }),
  );
}

interface StreamFrames {
  /** Frames sent one per tick: the role frame, then `chunks` content frames. */
  timedCount: number;
  timedAt(index: number): Buffer;
  /** Sent together after the last content frame: finish, usage, [DONE]. */
  tail: Buffer;
}

function renderStream(model: string, knobs: FakeKnobs, includeUsage: boolean): StreamFrames {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model, system_fingerprint: "fp_bench" };
  const frame = (choices: unknown[], usage: unknown = null) =>
    Buffer.from(`data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage } : {}) })}\n\n`);
  const content = (piece: string) => frame([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]);
  const text = completionText(knobs.sizeBytes);
  const pieces = Math.max(0, knobs.chunks);
  const size = pieces > 0 ? Math.ceil(text.length / pieces) : 0;
  const role = frame([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
  // only the pieces that carry text are distinct; a very long stream repeats one empty delta
  const withText: Buffer[] = [];
  for (let i = 0; i < pieces && i * size < text.length; i++) withText.push(content(text.slice(i * size, (i + 1) * size)));
  const empty = content("");
  const completionTokens = Math.max(1, Math.ceil(text.length / 4));
  const tail = [frame([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }])];
  if (includeUsage) {
    tail.push(frame([], { prompt_tokens: PROMPT_TOKENS, completion_tokens: completionTokens, total_tokens: PROMPT_TOKENS + completionTokens }));
  }
  tail.push(Buffer.from("data: [DONE]\n\n"));
  return {
    timedCount: 1 + pieces,
    timedAt: (index) => (index === 0 ? role : (withText[index - 1] ?? empty)),
    tail: Buffer.concat(tail),
  };
}

/** Anthropic Messages: the same text as a message, or as the named-event stream with a ping. */
function renderMessage(model: string, knobs: FakeKnobs): Buffer {
  const text = completionText(knobs.sizeBytes);
  return Buffer.from(
    JSON.stringify({
      id: "msg_bench",
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: Math.max(1, Math.ceil(text.length / 4)) },
    }),
  );
}

/** A Responses API answer (one message of `size` bytes), for the Responses door's native lane. */
function responseBody(size: number): Buffer {
  const text = "x".repeat(size);
  return Buffer.from(
    JSON.stringify({
      id: "resp_bench",
      object: "response",
      created_at: 1_700_000_000,
      status: "completed",
      error: null,
      incomplete_details: null,
      instructions: null,
      model: "gpt-4o-mini",
      output: [{ id: "msg_bench", type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] }],
      parallel_tool_calls: true,
      tool_choice: "auto",
      tools: [],
      temperature: 1,
      top_p: 1,
      metadata: {},
      usage: { input_tokens: 20, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 64, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 84 },
    }),
  );
}

function renderMessageStream(model: string, knobs: FakeKnobs): StreamFrames {
  const event = (data: { type: string }) => Buffer.from(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
  const text = completionText(knobs.sizeBytes);
  const pieces = Math.max(0, knobs.chunks);
  const size = pieces > 0 ? Math.ceil(text.length / pieces) : 0;
  const usage = { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 };
  const start = Buffer.concat([
    event({ type: "message_start", message: { id: "msg_bench", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage } } as { type: string }),
    event({ type: "ping" }),
    event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } as { type: string }),
  ]);
  const withText: Buffer[] = [];
  for (let i = 0; i < pieces && i * size < text.length; i++) {
    withText.push(event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: text.slice(i * size, (i + 1) * size) } } as { type: string }));
  }
  const empty = event({ type: "ping" });
  const tail = Buffer.concat([
    event({ type: "content_block_stop", index: 0 } as { type: string }),
    event({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: Math.max(1, Math.ceil(text.length / 4)) } } as { type: string }),
    event({ type: "message_stop" }),
  ]);
  return { timedCount: 1 + pieces, timedAt: (index) => (index === 0 ? start : (withText[index - 1] ?? empty)), tail };
}

function errorBody(status: number): Buffer {
  const type = status === 429 ? "rate_limit_exceeded" : "server_error";
  return Buffer.from(JSON.stringify({ error: { message: `fake upstream injected ${status}`, type, param: null, code: null } }));
}

const JSON_HEADERS = { "content-type": "application/json" } as const;
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" } as const;

/** Spreads a rate evenly: `due()` is true on exactly `rate` of its calls, with no randomness. */
class EvenRate {
  private credit = 0;
  due(rate: number): boolean {
    if (rate <= 0) return false;
    this.credit += rate;
    if (this.credit >= 1) {
      this.credit -= 1;
      return true;
    }
    return false;
  }
}

export async function startFakeUpstream(options: { port?: number; knobs?: Partial<FakeKnobs>; keepAliveMs?: number } = {}): Promise<FakeUpstreamServer> {
  let knobs: FakeKnobs = { ...defaultKnobs, ...options.knobs };
  const completions = new Map<string, Buffer>();
  const streams = new Map<string, StreamFrames>();
  const rate429 = new EvenRate();
  const rate500 = new EvenRate();
  const stall = new EvenRate();
  const sockets = new Set<Socket>();
  const stats: FakeStats = { requests: 0, inflight: 0, aborted: 0, sockets: 0, connections: 0, statuses: {} };

  const count = (status: number) => {
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
  };

  const sendJson = (res: ServerResponse, status: number, payload: Buffer) => {
    count(status);
    res.writeHead(status, { ...JSON_HEADERS, "content-length": payload.length });
    res.end(payload);
  };

  const embeddings = new Map<string, Buffer>();
  const handleEmbeddings = (res: ServerResponse, raw: string) => {
    const body = readEmbedBody(raw);
    if (!body) {
      sendJson(res, 400, Buffer.from(JSON.stringify({ error: { message: "body is not JSON", type: "invalid_request_error", param: null, code: null } })));
      return;
    }
    const key = `${body.model}:${body.inputs}:${body.width}:${body.base64 ? "b" : "f"}`;
    let payload = embeddings.get(key);
    if (!payload) {
      payload = renderEmbeddings(body);
      embeddings.set(key, payload);
    }
    sendJson(res, 200, payload);
  };

  const completionFor = (model: string): Buffer => {
    let cached = completions.get(model);
    if (!cached) {
      cached = renderCompletion(model, knobs);
      completions.set(model, cached);
    }
    return cached;
  };

  const streamFor = (model: string, includeUsage: boolean): StreamFrames => {
    const key = `${includeUsage ? "u" : "n"}:${model}`;
    let cached = streams.get(key);
    if (!cached) {
      cached = renderStream(model, knobs, includeUsage);
      streams.set(key, cached);
    }
    return cached;
  };

  const messages = new Map<string, Buffer>();
  const messageStreams = new Map<string, StreamFrames>();
  const handleMessages = (res: ServerResponse, raw: string) => {
    const body = readChatBody(raw);
    if (!body) {
      sendJson(res, 400, Buffer.from(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "body is not JSON" } })));
      return;
    }
    stats.requests++;
    stats.inflight++;
    res.on("close", () => {
      stats.inflight--;
      if (!res.writableFinished) stats.aborted++;
    });
    if (body.stream) {
      let frames = messageStreams.get(body.model);
      if (!frames) messageStreams.set(body.model, (frames = renderMessageStream(body.model, knobs)));
      playStream(res, frames, knobs);
      return;
    }
    let payload = messages.get(body.model);
    if (!payload) messages.set(body.model, (payload = renderMessage(body.model, knobs)));
    sendJson(res, 200, payload);
  };

  const playStream = (res: ServerResponse, frames: StreamFrames, k: FakeKnobs) => {
    count(200);
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    let next = 0;
    const tick = () => {
      if (res.destroyed) return;
      if (k.stallAfter >= 0 && next >= k.stallAfter) return; // hold the socket, send nothing more
      if (next >= frames.timedCount) {
        res.end(frames.tail);
        return;
      }
      res.write(frames.timedAt(next++));
      if (next < frames.timedCount) setTimeout(tick, k.intervalMs);
      else tick();
    };
    if (k.ttfbMs > 0) setTimeout(tick, k.ttfbMs);
    else tick();
  };

  const handleChat = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const body = readChatBody(raw);
    if (!body) {
      sendJson(res, 400, Buffer.from(JSON.stringify({ error: { message: "body is not JSON", type: "invalid_request_error", param: null, code: null } })));
      return;
    }
    stats.requests++;
    stats.inflight++;
    res.on("close", () => {
      stats.inflight--;
      if (!res.writableFinished) stats.aborted++;
    });
    const k = knobs;
    if (stall.due(k.stallRate)) return;
    if (rate429.due(k.rate429)) {
      res.setHeader("retry-after", "1");
      sendJson(res, 429, errorBody(429));
      return;
    }
    if (rate500.due(k.rate500)) {
      sendJson(res, 500, errorBody(500));
      return;
    }
    if (body.stream) {
      playStream(res, streamFor(body.model, body.includeUsage), k);
      return;
    }
    const payload = completionFor(body.model);
    if (k.delayMs > 0) setTimeout(() => !res.destroyed && sendJson(res, 200, payload), k.delayMs);
    else sendJson(res, 200, payload);
  };

  /** Test-harness routes; returns false when the path is not one of them. */
  const handleControl = (req: IncomingMessage, res: ServerResponse, raw: string, path: string): boolean => {
    if (path === "/__bench/stats") {
      sendJson(res, 200, Buffer.from(JSON.stringify(server.stats())));
      return true;
    }
    if (path === "/__bench/knobs") {
      if (req.method === "POST") {
        try {
          server.setKnobs(JSON.parse(raw) as Partial<FakeKnobs>);
        } catch {
          sendJson(res, 400, Buffer.from('{"error":"knobs must be JSON"}'));
          return true;
        }
      }
      sendJson(res, 200, Buffer.from(JSON.stringify(knobs)));
      return true;
    }
    if (path === "/__bench/reset-stats" && req.method === "POST") {
      server.resetStats();
      sendJson(res, 200, Buffer.from("{}"));
      return true;
    }
    return false;
  };

  const models = Buffer.from(JSON.stringify({ object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: 1_700_000_000, owned_by: "bench" }] }));

  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const path = q >= 0 ? url.slice(0, q) : url;
      if (req.method === "POST" && path.endsWith("/chat/completions")) return handleChat(req, res, raw);
      if (req.method === "POST" && path === "/v1/messages") return handleMessages(res, raw);
      if (req.method === "POST" && path.endsWith("/embeddings")) return handleEmbeddings(res, raw);
      if (req.method === "POST" && path.endsWith("/responses")) return sendJson(res, 200, responseBody(knobs.sizeBytes));
      if (path.startsWith("/__bench/") && handleControl(req, res, raw, path)) return;
      if (req.method === "GET" && path.endsWith("/models")) return sendJson(res, 200, models);
      if (path === "/health") return sendJson(res, 200, Buffer.from('{"status":"ok"}'));
      return sendJson(res, 404, Buffer.from(JSON.stringify({ error: { message: `no route ${path}`, type: "invalid_request_error", param: null, code: null } })));
    });
  });
  http.keepAliveTimeout = options.keepAliveMs ?? 5_000;
  http.on("connection", (socket: Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;

  const server: FakeUpstreamServer = {
    port,
    origin: `http://127.0.0.1:${port}`,
    knobs: () => knobs,
    setKnobs(partial) {
      knobs = { ...knobs, ...partial };
      completions.clear();
      streams.clear();
      messages.clear();
      messageStreams.clear();
      return knobs;
    },
    stats: () => ({ ...stats, statuses: { ...stats.statuses }, sockets: sockets.size }),
    resetStats() {
      stats.requests = 0;
      stats.aborted = 0;
      stats.connections = 0;
      stats.statuses = {};
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return server;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const fake = await startFakeUpstream({
    port: numberFlag(flags, "port", 0),
    keepAliveMs: numberFlag(flags, "keep-alive-ms", 5_000),
    knobs: {
      delayMs: numberFlag(flags, "delay-ms", defaultKnobs.delayMs),
      sizeBytes: numberFlag(flags, "size", defaultKnobs.sizeBytes),
      ttfbMs: numberFlag(flags, "ttfb-ms", defaultKnobs.ttfbMs),
      chunks: numberFlag(flags, "chunks", defaultKnobs.chunks),
      intervalMs: numberFlag(flags, "interval-ms", defaultKnobs.intervalMs),
      rate429: numberFlag(flags, "rate-429", defaultKnobs.rate429),
      rate500: numberFlag(flags, "rate-500", defaultKnobs.rate500),
      stallRate: numberFlag(flags, "stall-rate", defaultKnobs.stallRate),
      stallAfter: numberFlag(flags, "stall-after", defaultKnobs.stallAfter),
    },
  });
  console.log(listeningLine("fake-upstream", fake.port));
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  exitWithParent();
}

if (import.meta.main) await main();
