// createAnthropicAdapter against the fake Messages API over real HTTP on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicAdapter } from "../../../src/providers/anthropic/index.ts";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import type { ChatCompletionChunk, ProviderAdapter } from "../../../src/providers/types.ts";
import { startAnthropicFake } from "../../fakes/anthropic.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { abortAfterContent, callOptionsWith, closeInOrder, collect, completionOf, drainInto, requestWith, stopAtFirstContent, upstreamRejection as rejection, waitFor, weatherTool } from "../../harness/adapter-calls.ts";

let fake: FakeUpstream;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startAnthropicFake();
  adapter = createAnthropicAdapter("claude-eu", {
    type: "anthropic",
    api_key: "sk-ant-test",
    base_url: fake.origin,
    default_max_tokens: 2048,
    headers: { "x-team": "gateway" },
  });
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, fake));

const call = callOptionsWith({ requestId: "req-abc-123", publicModel: "claude" });
const request = requestWith("claude", "Hello there");
type Body = Record<string, unknown> & { messages: Array<{ role: string; content: unknown }> };
const lastBody = () => fake.lastChat.body as Body;

describe("chat (non-streaming)", () => {
  it("returns an OpenAI completion and sends the native request with the expected headers", async () => {
    fake.script({ reply: { text: "Bonjour 👋", usage: { prompt: 9, completion: 4 } } });
    const completion = completionOf(await adapter.chat(request({ max_tokens: 64 }), "claude-sonnet-4-6", call()));
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: "claude",
      choices: [{ index: 0, message: { role: "assistant", content: "Bonjour 👋" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]+$/);
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(120);

    const received = fake.lastChat;
    expect(received.method).toBe("POST");
    expect(received.path).toBe("/v1/messages");
    expect(received.headers["authorization"]).toBe("Bearer sk-ant-test");
    expect(received.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(received.headers["x-request-id"]).toBe("req-abc-123");
    expect(received.headers["x-team"]).toBe("gateway");
    expect(received.headers["x-stainless-retry-count"]).toBe("0");
    expect(lastBody()).toEqual({
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      stream: false,
      messages: [{ role: "user", content: [{ type: "text", text: "Hello there" }] }],
    });
  });

  it("falls back to the call's default budget, then the provider's", async () => {
    await adapter.chat(request(), "m", call({ defaultMaxTokens: 333 }));
    expect(lastBody()["max_tokens"]).toBe(333);
    await adapter.chat(request(), "m", call());
    expect(lastBody()["max_tokens"]).toBe(2048);
  });

  it("returns tool calls with JSON arguments and finish_reason tool_calls", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ id: "toolu_x1", name: "get_weather", arguments: { city: "Oslo" } }] } });
    const completion = completionOf(await adapter.chat(request({ tools: [weatherTool] }), "m", call()));
    expect(completion.choices[0]?.message).toMatchObject({
      content: null,
      tool_calls: [{ id: "toolu_x1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
    });
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(lastBody()["tools"]).toEqual([{ name: "get_weather", description: "Weather", input_schema: weatherTool.function.parameters }]);
  });

  it("answers json_object through the forced tool, as content", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ name: "json_response", arguments: { ok: true } }] } });
    const completion = completionOf(await adapter.chat(request({ response_format: { type: "json_object" } }), "m", call()));
    expect(completion.choices[0]?.message.content).toBe('{"ok":true}');
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(lastBody()["tool_choice"]).toEqual({ type: "tool", name: "json_response" });
  });

  it("refuses untranslatable requests before anything reaches the upstream", async () => {
    await expect(adapter.chat(request({ n: 3 }), "m", call())).rejects.toBeInstanceOf(GatewayInputError);
    await expect(adapter.chat(request({ temperature: 1.7 }), "m", call())).rejects.toMatchObject({ param: "temperature" });
    expect(fake.chatRequests).toHaveLength(0);
  });
});

describe("chat (streaming)", () => {
  it("yields role, text deltas, finish_reason and a usage chunk, in order", async () => {
    fake.script({ reply: { text: "one two three", usage: { prompt: 12, completion: 3 } } });
    const chunks = await collect(await adapter.chat(request({ stream: true }), "claude-haiku-4-5", call()));
    expect(lastBody()["stream"]).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: "assistant", content: "" },
      { content: "one " },
      { content: "two " },
      { content: "three" },
      {},
      null,
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, "stop", null]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "claude")).toBe(true);
  });

  it("streams parallel tool calls as OpenAI tool-call deltas", async () => {
    fake.script({
      reply: {
        text: "",
        toolCalls: [
          { id: "toolu_a", name: "get_weather", arguments: { city: "Lima", days: 3 } },
          { id: "toolu_b", name: "get_weather", arguments: { city: "Quito" } },
        ],
      },
    });
    const chunks = await collect(await adapter.chat(request({ stream: true, tools: [weatherTool] }), "m", call()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.filter((c) => c.id !== undefined)).toEqual([
      { index: 0, id: "toolu_a", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 1, id: "toolu_b", type: "function", function: { name: "get_weather", arguments: "" } },
    ]);
    const args = (i: number) => calls.filter((c) => c.index === i).map((c) => c.function?.arguments ?? "").join("");
    expect(JSON.parse(args(0))).toEqual({ city: "Lima", days: 3 });
    expect(JSON.parse(args(1))).toEqual({ city: "Quito" });
    expect(calls.filter((c) => c.function?.arguments && c.function.arguments.length > 0).length).toBeGreaterThan(2);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("throws an HTTP error before the stream from chat() itself", async () => {
    fake.script({ status: 503, message: "upstream busy" });
    const error = await rejection(adapter.chat(request({ stream: true }), "m", call()));
    expect(error).toMatchObject({ provider: "claude-eu", status: 503, failure: "http", retryable: true });
    expect(error.body?.message).toBe("upstream busy");
  });

  it("throws a mid-stream error event from the iterator after the chunks already received", async () => {
    fake.script({ reply: { text: "alpha beta gamma delta" }, errorAfterFrames: 5 });
    const result = await adapter.chat(request({ stream: true }), "m", call());
    const received: ChatCompletionChunk[] = [];
    const error = await rejection(drainInto(result, received));
    expect(error).toMatchObject({ provider: "claude-eu", status: 502, failure: "stream" });
    expect(error.body?.type).toBe("overloaded_error");
    expect(received.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("alpha beta ");
    expect(received.some((c) => c.choices[0]?.finish_reason)).toBe(false);
  });

  it("throws when the connection is cut mid-stream", async () => {
    fake.script({ reply: { text: "alpha beta gamma delta" }, cutAfterFrames: 4 });
    const error = await rejection(collect(await adapter.chat(request({ stream: true }), "m", call())));
    expect(error).toMatchObject({ failure: "stream", status: 502 });
  });

  it("aborting the signal mid-stream ends the iterator with an aborted failure and reaches the upstream", async () => {
    const controller = new AbortController();
    fake.script({ reply: { text: "w ".repeat(200) }, chunkIntervalMs: 20 });
    const result = await adapter.chat(request({ stream: true }), "m", call({ signal: controller.signal }));
    const error = await rejection(abortAfterContent(result, controller, 2));
    expect(error).toMatchObject({ failure: "aborted", retryable: false });
    const received = fake.lastChat;
    await waitFor(() => received.aborted, "the fake to see the abort");
  });

  it("a consumer that stops reading early releases the upstream request", async () => {
    fake.script({ reply: { text: "w ".repeat(200) }, chunkIntervalMs: 20 });
    const result = await adapter.chat(request({ stream: true }), "m", call());
    await stopAtFirstContent(result);
    const received = fake.lastChat;
    await waitFor(() => received.aborted, "the upstream stream to be closed");
  });
});

describe("errors before an answer", () => {
  it.each([
    [400, false],
    [401, false],
    [404, false],
    [500, true],
    [529, true],
  ])("maps upstream %i keeping the status (retryable %s)", async (status, retryable) => {
    fake.script({ status, message: `fake ${status}` });
    const error = await rejection(adapter.chat(request(), "m", call()));
    expect(error).toMatchObject({ provider: "claude-eu", status, failure: "http", retryable, body: { message: `fake ${status}` } });
  });

  it("maps 429 with retry-after", async () => {
    fake.script({ status: 429, message: "slow down", headers: { "retry-after": "2" } });
    const error = await rejection(adapter.chat(request(), "m", call()));
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000, body: { type: "rate_limit_error" } });
    expect(fake.chatRequests).toHaveLength(1); // the SDK did not retry on its own
  });

  it("aborting while the upstream hangs rejects chat() as aborted and closes the upstream request", async () => {
    const controller = new AbortController();
    fake.script({ hang: true });
    const pending = adapter.chat(request(), "m", call({ signal: controller.signal }));
    await waitFor(() => fake.chatRequests.length === 1, "the request to arrive");
    controller.abort();
    const error = await rejection(pending);
    expect(error).toMatchObject({ failure: "aborted", retryable: false });
    const received = fake.lastChat;
    await waitFor(() => received.aborted, "the fake to see the abort");
  });

  it("maps a refused connection to a 502 connection failure", async () => {
    const gone = await startAnthropicFake();
    const origin = gone.origin;
    await gone.close();
    const orphan = createAnthropicAdapter("claude-eu", { type: "anthropic", api_key: "k", base_url: origin, default_max_tokens: 10, headers: {} });
    const error = await rejection(orphan.chat(request(), "m", call()));
    expect(error).toMatchObject({ status: 502, failure: "connection", retryable: true });
    await orphan.close();
  });
});

describe("listModels and close", () => {
  it("lists models from GET /v1/models", async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(["claude-sonnet-4-5", "claude-haiku-4-5"]);
    const listing = fake.requests.at(-1);
    expect(listing?.method).toBe("GET");
    expect(listing?.path).toBe("/v1/models");
    expect(listing?.headers["authorization"]).toBe("Bearer sk-ant-test");
  });

  it("close() releases the adapter's connections", async () => {
    const own = await startAnthropicFake();
    const closing = createAnthropicAdapter("c", { type: "anthropic", api_key: "k", base_url: own.origin, default_max_tokens: 10, headers: {} });
    await closing.chat(request(), "m", call());
    expect(own.openSockets).toBeGreaterThan(0);
    await closing.close();
    await closing.close(); // a reload and a shutdown may both close it
    await waitFor(() => own.openSockets === 0, "keep-alive sockets to close");
    await own.close();
  });
});
