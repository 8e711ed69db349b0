// Shared machinery for fake upstreams: a loopback HTTP server that records what it received and
// plays scripted steps (reply, error status, delay, hang, cut stream, mid-stream error). Each
// provider's wire format lives in a `Protocol`; the scripted reply is provider-neutral, so one
// test body can run against every provider. Embeddings calls play the same steps (errors,
// delays, hangs) and answer with deterministic vectors (embedding-vectors.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** What the model "says", independent of the wire format. */
export interface ScriptedReply {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  finish?: FinishReason;
  /** Cache counts are reported by upstreams that have a prompt cache (Anthropic), apart from `prompt`. */
  usage?: { prompt: number; completion: number; cacheRead?: number; cacheWrite?: number };
  /** Streams split `text` into this many pieces (default: one per word). */
  pieces?: number;
  /** Upstream model name to report (default: the one requested). */
  model?: string;
  /** The choice's `stop_reason`, as vLLM reports the stop string that matched (OpenAI protocol only). */
  stopReason?: string | number | null;
}

/** Faults of an embeddings answer, to exercise the gateway's checks. */
export interface ScriptedEmbeddings {
  /** Answer this many vectors, whatever the input count (a collapsed or padded batch). */
  count?: number;
  /** Vectors of this width, whatever was asked. */
  width?: number;
}

export interface Step {
  reply?: ScriptedReply;
  /** For embeddings calls: a faulty answer instead of the right one. */
  embeddings?: ScriptedEmbeddings;
  /** Answer with this error status (protocol-shaped error body) instead of a reply. */
  status?: number;
  /** The error's text; a function of the request to echo what was sent (as some upstreams do). */
  message?: string | ((req: RecordedRequest) => string);
  headers?: Record<string, string>;
  /** Wait before sending headers. */
  delayMs?: number;
  /** Wait between stream frames. */
  chunkIntervalMs?: number;
  /** Never answer; the connection stays open until the client gives up. */
  hang?: boolean;
  /** Destroy the socket after this many stream frames. */
  cutAfterFrames?: number;
  /** Send the protocol's in-stream error frame after this many frames, then end. */
  errorAfterFrames?: number;
  /** Stream these frames as they are instead of the rendered reply (an upstream's own ordering). */
  frames?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  raw: string;
  body: unknown;
  /** True when the client went away before the response finished. */
  aborted: boolean;
}

export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Protocol {
  readonly name: string;
  /** Whether this request is a chat call, and whether it streams. */
  classify(req: RecordedRequest): { chat: true; stream: boolean } | { chat: false };
  renderJson(reply: ScriptedReply, req: RecordedRequest): JsonReply;
  /** Complete frames (SSE events with their blank line, NDJSON lines), in order. */
  renderStream(reply: ScriptedReply, req: RecordedRequest): string[];
  streamContentType: string;
  renderError(status: number, message: string): unknown;
  /** The frame a provider sends when a stream fails after it started. */
  renderStreamError(message: string): string;
  /** Non-chat routes (model lists and the like). */
  other?(req: RecordedRequest): JsonReply | undefined;
  /** The embeddings route, when the provider has one; its calls consume scripted steps like chat calls. */
  embeddings?: {
    matches(req: RecordedRequest): boolean;
    render(req: RecordedRequest, script: ScriptedEmbeddings): JsonReply;
  };
}

export const defaultReply: ScriptedReply = {
  text: "Hello from the fake upstream.",
  finish: "stop",
  usage: { prompt: 11, completion: 7 },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: Step[] = [];
  private fallbackStep: Step = {};
  private readonly sockets = new Set<import("node:net").Socket>();

  readonly protocol: Protocol;
  readonly port: number;
  private readonly server: Server;

  private constructor(protocol: Protocol, server: Server, port: number) {
    this.protocol = protocol;
    this.server = server;
    this.port = port;
  }

  static async start(protocol: Protocol): Promise<FakeUpstream> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeUpstream(protocol, server, port);
    server.on("connection", (socket) => {
      fake.sockets.add(socket);
      socket.on("close", () => fake.sockets.delete(socket));
    });
    server.on("request", (req, res) => void fake.handle(req, res));
    return fake;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Chat requests only, in arrival order. */
  get chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => this.protocol.classify(r).chat);
  }

  get lastChat(): RecordedRequest {
    const last = this.chatRequests.at(-1);
    if (!last) throw new Error(`${this.protocol.name} fake received no chat request`);
    return last;
  }

  /** Embeddings requests only, in arrival order. */
  get embedRequests(): RecordedRequest[] {
    return this.requests.filter((r) => this.protocol.embeddings?.matches(r) === true);
  }

  get lastEmbed(): RecordedRequest {
    const last = this.embedRequests.at(-1);
    if (!last) throw new Error(`${this.protocol.name} fake received no embeddings request`);
    return last;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  /** Queue one-shot steps, consumed by the next chat or embeddings requests in order. */
  script(...steps: Step[]): this {
    this.queue.push(...steps);
    return this;
  }

  /** The step used once the queue is empty. */
  always(step: Step): this {
    this.fallbackStep = step;
    return this;
  }

  reset(): this {
    this.requests.length = 0;
    this.queue.length = 0;
    this.fallbackStep = {};
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake");
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // keep the raw text: tests may assert on malformed bodies
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      raw,
      body,
      aborted: false,
    };
    this.requests.push(recorded);
    res.on("close", () => {
      if (!res.writableFinished) recorded.aborted = true;
    });

    const kind = this.protocol.classify(recorded);
    const embeddings = this.protocol.embeddings?.matches(recorded) === true ? this.protocol.embeddings : undefined;
    if (!kind.chat && !embeddings) {
      const other = this.protocol.other?.(recorded);
      send(res, other ?? { status: 404, body: this.protocol.renderError(404, `no route ${url.pathname}`) });
      return;
    }

    const step = this.queue.shift() ?? this.fallbackStep;
    if (step.delayMs) await sleep(step.delayMs);
    if (step.hang) return;
    if (res.destroyed) return;
    if (step.status !== undefined && step.status >= 400) {
      send(res, {
        status: step.status,
        body: this.protocol.renderError(step.status, messageOf(step, recorded) ?? `fake ${this.protocol.name} error ${step.status}`),
        headers: step.headers ?? {},
      });
      return;
    }
    if (embeddings) {
      const json = embeddings.render(recorded, step.embeddings ?? {});
      send(res, { ...json, headers: { ...json.headers, ...step.headers } });
      return;
    }
    if (!kind.chat) return;
    const reply = { ...defaultReply, ...step.reply };
    if (!kind.stream) {
      const json = this.protocol.renderJson(reply, recorded);
      send(res, { ...json, headers: { ...json.headers, ...step.headers } });
      return;
    }
    res.writeHead(200, {
      "content-type": this.protocol.streamContentType,
      "cache-control": "no-cache",
      ...step.headers,
    });
    res.flushHeaders();
    const frames = step.frames ?? this.protocol.renderStream(reply, recorded);
    for (let i = 0; i < frames.length; i++) {
      if (res.destroyed) return;
      if (step.cutAfterFrames !== undefined && i >= step.cutAfterFrames) {
        // Let what was written reach the client first: a cut after N frames, not before them.
        if (i > 0) await new Promise<void>((resolve) => res.write("", () => setTimeout(resolve, 20)));
        res.socket?.destroy();
        return;
      }
      if (step.errorAfterFrames !== undefined && i >= step.errorAfterFrames) {
        res.end(this.protocol.renderStreamError("fake upstream failed mid-stream"));
        return;
      }
      res.write(frames[i]);
      if (step.chunkIntervalMs) await sleep(step.chunkIntervalMs);
    }
    res.end();
  }
}

function messageOf(step: Step, req: RecordedRequest): string | undefined {
  return typeof step.message === "function" ? step.message(req) : step.message;
}

function send(res: ServerResponse, reply: JsonReply): void {
  if (res.destroyed) return;
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

/** Splits text into stream pieces: `pieces` equal parts, or one per word (spaces kept). */
export function splitText(text: string, pieces?: number): string[] {
  if (text === "") return [];
  if (pieces === undefined) return text.match(/\S+\s*|\s+/g) ?? [text];
  const size = Math.ceil(text.length / Math.max(1, pieces));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Splits a JSON argument string into a few fragments, as providers stream them. */
export function splitArguments(json: string): string[] {
  if (json.length <= 4) return [json];
  const third = Math.ceil(json.length / 3);
  return [json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)];
}
