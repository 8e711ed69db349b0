// The Ollama adapter over real HTTP against the Ollama fake, through the real `ollama` SDK.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import { createOllamaAdapter } from "../../../src/providers/ollama/index.ts";
import type { ChatCompletionChunk, ProviderAdapter } from "../../../src/providers/types.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { startOllamaFake } from "../../fakes/ollama.ts";
import { callOptionsWith, closeInOrder, collect, completionOf, drainInto, requestWith, stopAtFirstContent, upstreamRejection as rejection } from "../../harness/adapter-calls.ts";

const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

let fake: FakeUpstream;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startOllamaFake();
  adapter = createOllamaAdapter("local", {
    type: "ollama",
    base_url: fake.origin,
    keep_alive: "15m",
    headers: { "x-tenant": "acme" },
  });
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, fake));

const callOptions = callOptionsWith({
  requestId: "req-7f3a",
  publicModel: "llama",
  images: { allow_private_hosts: false, max_bytes: 1_000_000, timeout_ms: 5_000 },
});
const ask = requestWith("llama", "Say hello");

describe("chat", () => {
  it("answers a non-streaming call, and tells Ollama stream false", async () => {
    fake.script({ reply: { text: "Hello there!", usage: { prompt: 12, completion: 4 } } });
    const result = completionOf(await adapter.chat(ask({ temperature: 0.3, max_tokens: 50 }), "llama3.1:8b", callOptions()));
    expect(result).toMatchObject({
      object: "chat.completion",
      model: "llama",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello there!" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
    });
    expect(result.id).toMatch(/^chatcmpl-/);
    expect(Number.isInteger(result.created)).toBe(true);

    const sent = fake.lastChat;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/api/chat");
    expect(sent.body).toEqual({
      model: "llama3.1:8b",
      messages: [{ role: "user", content: "Say hello" }],
      stream: false,
      options: { temperature: 0.3, num_predict: 50 },
      keep_alive: "15m",
    });
  });

  it("sends x-request-id and the configured headers", async () => {
    await adapter.chat(ask(), "llama3.1:8b", callOptions({ requestId: "req-abc-123" }));
    expect(fake.lastChat.headers).toMatchObject({
      "x-request-id": "req-abc-123",
      "x-tenant": "acme",
      "content-type": "application/json",
    });
  });

  it("returns parallel tool calls with stable ids, JSON-string arguments and finish tool_calls", async () => {
    fake.script({
      reply: {
        text: "",
        toolCalls: [
          { name: "get_weather", arguments: { city: "Paris" } },
          { name: "get_weather", arguments: { city: "Tokyo" } },
        ],
      },
    });
    const result = completionOf(await adapter.chat(ask({ tools: [weatherTool] }), "qwen3:8b", callOptions()));
    const choice = result.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls ?? [];
    expect(calls.map((c) => c.type === "function" && [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_weather", { city: "Tokyo" }],
    ]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(fake.lastChat.body).toMatchObject({ tools: [{ type: "function", function: { name: "get_weather" } }] });
  });

  it("throws GatewayInputError for what Ollama cannot honour, without calling it", async () => {
    await expect(adapter.chat(ask({ n: 3 }), "llama3.1:8b", callOptions())).rejects.toMatchObject({
      name: "GatewayInputError",
      param: "n",
    });
    await expect(adapter.chat(ask({ tools: [weatherTool], tool_choice: "required" }), "llama3.1:8b", callOptions())).rejects.toBeInstanceOf(
      GatewayInputError,
    );
    expect(fake.chatRequests).toHaveLength(0);
  });
});

describe("stream", () => {
  it("streams role, text, finish and usage chunks in order, with one id and the public model", async () => {
    fake.script({ reply: { text: "Hello streaming world", usage: { prompt: 9, completion: 3 } } });
    const chunks = await collect(await adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions()));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: "assistant", content: "" },
      { content: "Hello " },
      { content: "streaming " },
      { content: "world" },
      {},
      undefined,
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: "chat.completion.chunk", model: "llama" });
    expect(fake.lastChat.body).toMatchObject({ stream: true });
  });

  it("streams tool calls as index/id/name deltas then arguments, finishing with tool_calls", async () => {
    fake.script({
      reply: {
        text: "Checking.",
        toolCalls: [
          { name: "get_weather", arguments: { city: "Paris" } },
          { name: "get_time", arguments: { tz: "Asia/Tokyo" } },
        ],
        usage: { prompt: 40, completion: 22 },
      },
    });
    const chunks = await collect(await adapter.chat(ask({ stream: true, tools: [weatherTool, timeTool] }), "qwen3:8b", callOptions()));
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":"Paris"}' } },
      { index: 1, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_time", arguments: "" } },
      { index: 1, function: { arguments: '{"tz":"Asia/Tokyo"}' } },
    ]);
    expect(toolDeltas[0]?.id).not.toBe(toolDeltas[2]?.id);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 40, completion_tokens: 22, total_tokens: 62 });
  });

  it("maps a length stop", async () => {
    fake.script({ reply: { text: "cut short", finish: "length" } });
    const chunks = await collect(await adapter.chat(ask({ stream: true, max_tokens: 2 }), "llama3.1:8b", callOptions()));
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
    expect(fake.lastChat.body).toMatchObject({ options: { num_predict: 2 } });
  });

  it("throws an Ollama error line from the chunk iterator as failure stream, after the chunks before it", async () => {
    fake.script({ reply: { text: "one two three four" }, errorAfterFrames: 2 });
    const result = await adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions());
    const seen: ChatCompletionChunk[] = [];
    const error = await rejection(drainInto(result, seen));
    expect(error).toMatchObject({ provider: "local", status: 502, failure: "stream", retryable: true });
    expect(error.message).toContain("fake upstream failed mid-stream");
    expect(seen.map((c) => c.choices[0]?.delta.content)).toEqual(["", "one ", "two "]);
  });

  it("throws when the connection drops mid-stream instead of ending quietly", async () => {
    fake.script({ reply: { text: "one two three four" }, cutAfterFrames: 2 });
    const result = await adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions());
    const error = await rejection(collect(result));
    expect(error).toMatchObject({ status: 502, failure: "stream" });
  });
});

describe("upstream errors", () => {
  it.each([
    [404, 'model "llama9" not found, try pulling it first', false],
    [400, "invalid format: expected \"json\" or a JSON schema", false],
    [500, "llama runner process has terminated: exit status 2", true],
    [503, "server busy, please try again. maximum pending requests exceeded", true],
  ])("keeps status %i and Ollama's message %j", async (status, message, retryable) => {
    fake.script({ status, message });
    const error = await rejection(adapter.chat(ask(), "llama9", callOptions()));
    expect(error).toMatchObject({ provider: "local", status, failure: "http", retryable, message, body: { message } });
  });

  it("throws HTTP errors of a streaming call from chat() itself, before any chunk", async () => {
    fake.script({ status: 429, message: "too many requests", headers: { "retry-after": "7" } });
    const error = await rejection(adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions()));
    expect(error).toMatchObject({ status: 429, failure: "http", retryable: true, retryAfterMs: 7000 });
  });

  it("maps a refused connection (Ollama not running) to failure connection, 502", async () => {
    const closed = await startOllamaFake();
    const origin = closed.origin;
    await closed.close();
    const offline = createOllamaAdapter("offline", { type: "ollama", base_url: origin, headers: {} });
    try {
      const error = await rejection(offline.chat(ask(), "llama3.1:8b", callOptions()));
      expect(error).toMatchObject({ provider: "offline", status: 502, failure: "connection", retryable: true });
      await expect(offline.listModels(new AbortController().signal)).rejects.toMatchObject({ failure: "connection" });
    } finally {
      await offline.close();
    }
  });
});

describe("abort", () => {
  it("aborting the call's signal cancels a waiting non-streaming request at the upstream", async () => {
    fake.script({ hang: true });
    const controller = new AbortController();
    const pending = adapter.chat(ask(), "llama3.1:8b", callOptions({ signal: controller.signal }));
    await vi.waitFor(() => expect(fake.chatRequests).toHaveLength(1));
    controller.abort();
    const error = await rejection(pending);
    expect(error).toMatchObject({ failure: "aborted", retryable: false });
    await vi.waitFor(() => expect(fake.lastChat.aborted).toBe(true));
  });

  it("aborting mid-stream ends that upstream request only", async () => {
    fake.script({ reply: { text: "a b c d e f g h" }, chunkIntervalMs: 50 }, { reply: { text: "other call" } });
    const controller = new AbortController();
    const result = await adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions({ signal: controller.signal }));
    if (result.kind !== "stream") throw new Error("expected a stream");
    const other = await adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions());
    const iterator = result.chunks[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    const error = await rejection(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
    );
    expect(error.failure).toBe("aborted");
    await vi.waitFor(() => expect(fake.chatRequests[0]?.aborted).toBe(true));
    // The other call on the same adapter is untouched.
    const otherChunks = await collect(other);
    expect(otherChunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(fake.chatRequests[1]?.aborted).toBe(false);
  });

  it("a consumer that stops reading releases the upstream request", async () => {
    fake.script({ reply: { text: "a b c d e f g h" }, chunkIntervalMs: 50 });
    const result = await adapter.chat(ask({ stream: true }), "llama3.1:8b", callOptions());
    await stopAtFirstContent(result);
    await vi.waitFor(() => expect(fake.lastChat.aborted).toBe(true));
  });
});

describe("images", () => {
  let imageServer: Server;
  let imageUrl: string;

  beforeAll(async () => {
    imageServer = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(Buffer.from(PNG_1PX, "base64"));
    });
    await new Promise<void>((resolve) => imageServer.listen(0, "127.0.0.1", resolve));
    imageUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}/pixel.png`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => imageServer.close(() => resolve()));
  });

  const withImages = (...urls: string[]) =>
    ask({
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "What is this?" }, ...urls.map((url) => ({ type: "image_url" as const, image_url: { url } }))],
        },
      ],
    });

  it("inlines data URLs and fetched http images as base64 on the message", async () => {
    const policy = { allow_private_hosts: true, max_bytes: 1_000_000, timeout_ms: 5_000 };
    await adapter.chat(withImages(`data:image/png;base64,${PNG_1PX}`, imageUrl), "llava:13b", callOptions({ images: policy }));
    expect(fake.lastChat.body).toMatchObject({
      messages: [{ role: "user", content: "What is this?", images: [PNG_1PX, PNG_1PX] }],
    });
  });

  it("refuses an http image on a private address under the default policy, without calling Ollama", async () => {
    await expect(adapter.chat(withImages(imageUrl), "llava:13b", callOptions())).rejects.toBeInstanceOf(GatewayInputError);
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("never lets base64 that spells a file path make the SDK upload that file", async () => {
    // The SDK reads an image string that names an existing file from disk.
    const dir = join("/tmp", `ollamaGuard${process.pid}`);
    let path = `${dir}/secretFile`;
    while (path.length % 4 !== 0) path += "X";
    expect(path).toMatch(/^[A-Za-z0-9+/]+$/);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, "TOP SECRET CONTENT");
    try {
      await adapter.chat(withImages(`data:image/png;base64,${path}`), "llava:13b", callOptions());
      const images = (fake.lastChat.body as { messages: { images?: string[] }[] }).messages[0]?.images;
      expect(images).toEqual([path]);
      expect(JSON.stringify(fake.lastChat.body)).not.toContain(Buffer.from("TOP SECRET CONTENT").toString("base64"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("listModels and close", () => {
  it("lists model names from /api/tags", async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(["llama3.1:8b", "qwen3:4b"]);
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: "/api/tags" });
  });

  it("close() releases the adapter's connections", async () => {
    const own = await startOllamaFake();
    const local = createOllamaAdapter("closing", { type: "ollama", base_url: own.origin, headers: {} });
    try {
      await local.chat(ask(), "llama3.1:8b", callOptions());
      expect(own.openSockets).toBeGreaterThan(0);
      await local.close();
      await vi.waitFor(() => expect(own.openSockets).toBe(0));
    } finally {
      await own.close();
    }
  });
});

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const timeTool = {
  type: "function" as const,
  function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } },
};
