// createGeminiAdapter against the fake Gemini API over real HTTP, through the real @google/genai SDK.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { createGeminiAdapter } from "../../../src/providers/gemini/index.ts";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import type { CallOptions, ChatCompletionChunk, ChatRequest, ChatResult, ProviderAdapter } from "../../../src/providers/types.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { FAKE_MODELS, fakeThoughtSignature, startGeminiFake } from "../../fakes/gemini.ts";
import { abortAfterContent, callOptionsWith, collect, completionOf, drainInto, rejectionOf as rejection, stopAtFirstContent } from "../../harness/adapter-calls.ts";
import { eventually } from "../../harness/eventually.ts";

const API_KEY = "AIza-test-key-123";
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

let fake: FakeUpstream;
let adapter: ProviderAdapter;
let images: Server;
let imageOrigin: string;

const call = callOptionsWith({
  requestId: "req-123",
  publicModel: "public-gemini",
  images: { allow_private_hosts: true, max_bytes: 1_000_000, timeout_ms: 2_000 },
});

const weather = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

async function chat(req: Omit<ChatRequest, "model">, over: Partial<CallOptions> = {}): Promise<ChatResult> {
  return adapter.chat({ model: "public-gemini", ...req } as ChatRequest, "gemini-2.5-flash", call(over));
}

interface RecordedBody {
  contents: { role: string; parts: Record<string, unknown>[] }[];
  systemInstruction?: { parts: { text: string }[] };
  generationConfig?: Record<string, unknown>;
  tools?: unknown[];
  toolConfig?: unknown;
}
const body = () => fake.lastChat.body as RecordedBody;

beforeAll(async () => {
  fake = await startGeminiFake();
  adapter = createGeminiAdapter("gem", {
    type: "gemini",
    api_key: API_KEY,
    base_url: fake.origin,
    headers: { "x-team": "blue" },
  });
  images = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "image/png", "content-length": PNG.length });
    res.end(PNG);
  });
  await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
  imageOrigin = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await adapter.close();
  await fake.close();
  await new Promise((resolve) => images.close(resolve));
});
beforeEach(() => fake.reset());

describe("gemini adapter: requests on the wire", () => {
  it("calls generateContent with the key in a header, never in the URL, and forwards ids and headers", async () => {
    fake.script({ reply: { text: "Bonjour", usage: { prompt: 9, completion: 2 } } });
    await chat({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Salut" }], temperature: 0.2 });
    const got = fake.lastChat;
    expect(got.method).toBe("POST");
    expect(got.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(got.headers["x-goog-api-key"]).toBe(API_KEY);
    expect(got.query.get("key")).toBeNull();
    expect(got.path + got.query.toString()).not.toContain(API_KEY);
    expect(got.headers["x-request-id"]).toBe("req-123");
    expect(got.headers["x-team"]).toBe("blue");
    expect(body().systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
    expect(body().contents).toEqual([{ role: "user", parts: [{ text: "Salut" }] }]);
    expect(body().generationConfig).toEqual({ temperature: 0.2 });
  });

  it("streams from streamGenerateContent with alt=sse", async () => {
    await collect(await chat({ messages: [{ role: "user", content: "hi" }], stream: true }));
    expect(fake.lastChat.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    expect(fake.lastChat.query.get("alt")).toBe("sse");
    expect(fake.lastChat.query.get("key")).toBeNull();
    expect(fake.lastChat.headers["x-goog-api-key"]).toBe(API_KEY);
  });

  it("fetches http image URLs and sends them inline", async () => {
    await chat({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `${imageOrigin}/cat.png` } },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/AAAA" } },
          ],
        },
      ],
    });
    expect(body().contents[0]?.parts).toEqual([
      { text: "What is this?" },
      { inlineData: { mimeType: "image/png", data: PNG.toString("base64") } },
      { inlineData: { mimeType: "image/jpeg", data: "/9j/AAAA" } },
    ]);
  });

  it("refuses an untranslatable request before calling the upstream", async () => {
    const error = await rejection(chat({ messages: [{ role: "user", content: "x" }], logprobs: true }));
    expect(error).toBeInstanceOf(GatewayInputError);
    expect((error as GatewayInputError).param).toBe("logprobs");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("gemini adapter: completions", () => {
  it("returns an OpenAI completion with the public model name and usage", async () => {
    fake.script({ reply: { text: "Paris.", usage: { prompt: 12, completion: 3 } } });
    const result = await chat({ messages: [{ role: "user", content: "Capital of France?" }] });
    expect(result.kind).toBe("completion");
    if (result.kind !== "completion") return;
    const c = result.completion;
    expect(c.id).toMatch(/^chatcmpl-/);
    expect(c.object).toBe("chat.completion");
    expect(c.model).toBe("public-gemini");
    expect(Math.abs(c.created - Date.now() / 1000)).toBeLessThan(120);
    expect(c.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "Paris.", refusal: null }, logprobs: null, finish_reason: "stop" },
    ]);
    expect(c.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
  });

  it("maps n to candidateCount and candidates to choices", async () => {
    fake.script({ reply: { text: "same" } });
    const result = await chat({ messages: [{ role: "user", content: "x" }], n: 2 });
    expect(body().generationConfig).toMatchObject({ candidateCount: 2 });
    expect(completionOf(result).choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, "same"],
      [1, "same"],
    ]);
  });

  it("round-trips parallel tool calls, restoring the thought signature and naming the results", async () => {
    fake.script({
      reply: { text: "", toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_time", arguments: { tz: "Europe/Oslo" } }] },
    });
    const first = completionOf(await chat({ messages: [{ role: "user", content: "Weather and time in Oslo?" }], tools: [weather] }));
    const message = first.choices[0]!.message;
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(message.content).toBeNull();
    const calls = message.tool_calls ?? [];
    expect(calls.map((c) => (c.type === "function" ? [c.function.name, JSON.parse(c.function.arguments)] : null))).toEqual([
      ["get_weather", { city: "Oslo" }],
      ["get_time", { tz: "Europe/Oslo" }],
    ]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    for (const c of calls) expect(c.id).toMatch(/^[A-Za-z0-9_-]+$/);

    fake.script({ reply: { text: "Sunny, and it is noon." } });
    await chat({
      messages: [
        { role: "user", content: "Weather and time in Oslo?" },
        message,
        { role: "tool", tool_call_id: calls[0]!.id, content: '{"sky":"sunny"}' },
        { role: "tool", tool_call_id: calls[1]!.id, content: "12:00" },
      ],
      tools: [weather],
    });
    expect(body().contents).toEqual([
      { role: "user", parts: [{ text: "Weather and time in Oslo?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: fakeThoughtSignature("get_weather") },
          { functionCall: { name: "get_time", args: { tz: "Europe/Oslo" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { sky: "sunny" } } },
          { functionResponse: { name: "get_time", response: { output: "12:00" } } },
        ],
      },
    ]);
  });
});

describe("gemini adapter: streams", () => {
  it("yields role, content deltas, finish_reason, then one usage chunk with the final totals", async () => {
    fake.script({ reply: { text: "one two three", usage: { prompt: 5, completion: 6 } } });
    const chunks = await collect(await chat({ messages: [{ role: "user", content: "count" }], stream: true }));
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]?.id).toMatch(/^chatcmpl-/);
    for (const c of chunks) {
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.model).toBe("public-gemini");
    }
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: "assistant", content: "" },
      { content: "one " },
      { content: "two " },
      { content: "three" },
      {},
      null,
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, "stop", null]);
    // The fake repeats running totals on every event: summing them would overcount.
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } });
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
  });

  it("streams tool calls as an id/name delta, then the arguments, and finishes with tool_calls", async () => {
    fake.script({
      reply: { text: "", toolCalls: [{ name: "get_weather", arguments: { city: "Reykjavík" } }, { name: "get_weather", arguments: { city: "Nuuk" } }] },
    });
    const chunks = await collect(await chat({ messages: [{ role: "user", content: "Weather?" }], tools: [weather], stream: true }));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":"Reykjavík"}' } },
      { index: 1, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 1, function: { arguments: '{"city":"Nuuk"}' } },
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(["tool_calls"]);
    expect(deltas[0]?.id).not.toBe(deltas[2]?.id);
  });

  it("keeps only the first call when parallel_tool_calls is false", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ name: "a", arguments: {} }, { name: "b", arguments: {} }] } });
    const chunks = await collect(
      await chat({ messages: [{ role: "user", content: "x" }], tools: [weather], parallel_tool_calls: false, stream: true }),
    );
    const names = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).flatMap((d) => (d.function?.name ? [d.function.name] : []));
    expect(names).toEqual(["a"]);
  });

  it("throws an error frame from the chunk iterator as a stream failure", async () => {
    fake.script({ reply: { text: "a b c d e f" }, errorAfterFrames: 2 });
    const result = await chat({ messages: [{ role: "user", content: "x" }], stream: true });
    const seen: ChatCompletionChunk[] = [];
    const error = await rejection(drainInto(result, seen));
    expect(seen.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("a b ");
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ provider: "gem", failure: "stream", status: 502 });
    expect((error as UpstreamError).message).toContain("fake upstream failed mid-stream");
  });

  it("throws when the connection is cut mid-stream", async () => {
    fake.script({ reply: { text: "a b c d e f" }, cutAfterFrames: 2 });
    const result = await chat({ messages: [{ role: "user", content: "x" }], stream: true });
    const error = await rejection(collect(result));
    expect(error).toMatchObject({ failure: "stream", status: 502 });
  });

  it("aborts the upstream request when the consumer stops reading early", async () => {
    fake.script({ reply: { text: "a b c d e f g h i j" }, chunkIntervalMs: 50 });
    const result = await chat({ messages: [{ role: "user", content: "x" }], stream: true });
    await stopAtFirstContent(result);
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });
});

describe("gemini adapter: failures", () => {
  it.each([
    [400, "API key not valid. Please pass a valid API key.", false],
    [404, "models/nope is not found for API version v1beta", false],
    [500, "An internal error has occurred.", true],
    [503, "The model is overloaded. Please try again later.", true],
  ])("maps HTTP %i to an UpstreamError with the upstream status and message", async (status, message, retryable) => {
    fake.script({ status, message });
    const error = await rejection(chat({ messages: [{ role: "user", content: "x" }] }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ provider: "gem", status, failure: "http", retryable, message });
    expect((error as UpstreamError).body).toMatchObject({ message });
    expect(fake.chatRequests).toHaveLength(1); // the SDK did not retry on its own
  });

  it("makes RESOURCE_EXHAUSTED retryable after the RetryInfo delay", async () => {
    fake.script({ status: 429, message: "Quota exceeded for metric generate_content_free_tier_requests. Please retry in 1.5s." });
    const error = await rejection(chat({ messages: [{ role: "user", content: "x" }] }));
    expect(error).toMatchObject({ status: 429, failure: "http", retryable: true, retryAfterMs: 1500 });
    expect((error as UpstreamError).body).toMatchObject({ type: "rate_limit_exceeded", code: "RESOURCE_EXHAUSTED" });
  });

  it("throws an HTTP error before the stream starts from chat() itself", async () => {
    fake.script({ status: 503, message: "overloaded" });
    const error = await rejection(chat({ messages: [{ role: "user", content: "x" }], stream: true }));
    expect(error).toMatchObject({ status: 503, failure: "http", retryable: true });
  });

  it("reports an unreachable upstream as a connection failure", async () => {
    const dead = createGeminiAdapter("dead", { type: "gemini", api_key: "k", base_url: "http://127.0.0.1:9", headers: {} });
    try {
      const error = await rejection(dead.chat({ model: "m", messages: [{ role: "user", content: "x" }] }, "gemini-2.5-flash", call()));
      expect(error).toMatchObject({ provider: "dead", status: 502, failure: "connection", retryable: true });
    } finally {
      await dead.close();
    }
  });

  it("reports an aborted call as aborted, and the abort reaches the upstream", async () => {
    fake.script({ hang: true });
    const controller = new AbortController();
    const pending = chat({ messages: [{ role: "user", content: "x" }] }, { signal: controller.signal });
    await eventually(() => expect(fake.chatRequests).toHaveLength(1));
    controller.abort();
    const error = await rejection(pending);
    expect(error).toMatchObject({ failure: "aborted", retryable: false });
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });

  it("reports an abort in the middle of a stream as aborted", async () => {
    fake.script({ reply: { text: "a b c d e f g h" }, chunkIntervalMs: 50 });
    const controller = new AbortController();
    const result = await chat({ messages: [{ role: "user", content: "x" }], stream: true }, { signal: controller.signal });
    const error = await rejection(abortAfterContent(result, controller, 1));
    expect(error).toMatchObject({ failure: "aborted" });
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });
});

describe("gemini adapter: listModels", () => {
  it("lists models across pages with the models/ prefix stripped", async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(FAKE_MODELS);
    const lists = fake.requests.filter((r) => r.path === "/v1beta/models");
    expect(lists.length).toBeGreaterThan(1);
    expect(lists.at(-1)?.query.get("pageToken")).toBe("page-2");
    for (const r of lists) {
      expect(r.headers["x-goog-api-key"]).toBe(API_KEY);
      expect(r.query.get("key")).toBeNull();
    }
  });
});
