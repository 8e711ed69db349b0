// createAzureAdapter against the fake Azure OpenAI data plane over real HTTP on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAzureAdapter } from "../../../src/providers/azure/index.ts";
import type { ChatCompletionChunk, ProviderAdapter } from "../../../src/providers/types.ts";
import { deploymentOf, startAzureFake } from "../../fakes/azure.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { abortAfterContent, callOptionsWith, closeInOrder, collect, completionOf, drainInto, requestWith, stopAtFirstContent, upstreamRejection as rejection, waitFor, weatherTool } from "../../harness/adapter-calls.ts";

type AzureConfig = Parameters<typeof createAzureAdapter>[1];

let fake: FakeUpstream;
let adapter: ProviderAdapter;

const config = (overrides: Partial<AzureConfig> = {}): AzureConfig => ({
  type: "azure",
  api_key: "azure-test-key",
  endpoint: fake.origin,
  api_version: "2024-10-21",
  headers: { "x-team": "gateway" },
  ...overrides,
});

beforeAll(async () => {
  fake = await startAzureFake();
  adapter = createAzureAdapter("azure-eu", config());
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, fake));

const call = callOptionsWith({ requestId: "req-azure-1", publicModel: "gpt-4o-mini" });
const request = requestWith("gpt-4o-mini", "Hello there");
const lastBody = () => fake.lastChat.body as Record<string, unknown>;

describe("chat (non-streaming)", () => {
  it("posts to the deployment path with api-version, the api-key header and the request id", async () => {
    fake.script({ reply: { text: "Bonjour 👋", usage: { prompt: 9, completion: 4 } } });
    const completion = completionOf(await adapter.chat(request({ max_tokens: 64 }), "gpt-4o-mini-eu", call()));
    expect(completion).toMatchObject({
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Bonjour 👋" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });

    const received = fake.lastChat;
    expect(received.method).toBe("POST");
    expect(received.path).toBe("/openai/deployments/gpt-4o-mini-eu/chat/completions");
    expect([...received.query.entries()]).toEqual([["api-version", "2024-10-21"]]);
    expect(received.headers["api-key"]).toBe("azure-test-key");
    expect(received.headers["authorization"]).toBeUndefined();
    expect(received.headers["x-request-id"]).toBe("req-azure-1");
    expect(received.headers["x-team"]).toBe("gateway");
    expect(received.headers["x-stainless-retry-count"]).toBe("0");
    expect(lastBody()).toEqual({ model: "gpt-4o-mini-eu", max_tokens: 64, messages: [{ role: "user", content: "Hello there" }] });
  });

  it("returns Azure's answer unchanged, its filter annotations included", async () => {
    const completion = completionOf(await adapter.chat(request(), "gpt-4o-mini-eu", call()));
    expect(completion).toHaveProperty("prompt_filter_results.0.content_filter_results.hate", { filtered: false, severity: "safe" });
    expect(completion.choices[0]).toHaveProperty("content_filter_results.violence", { filtered: false, severity: "safe" });
  });

  it("uses the configured deployment whatever the target's model name, and an endpoint with a trailing slash", async () => {
    const pinned = createAzureAdapter("azure-pinned", config({ deployment: "prod-gpt4o", endpoint: `${fake.origin}/`, api_version: "2025-01-01-preview" }));
    await pinned.chat(request(), "gpt-4o", call());
    expect(fake.lastChat.path).toBe("/openai/deployments/prod-gpt4o/chat/completions");
    expect(fake.lastChat.query.get("api-version")).toBe("2025-01-01-preview");
    await pinned.close();
  });

  it("takes nothing from the OPENAI_* environment the SDK would otherwise read", async () => {
    const { OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID } = process.env;
    Object.assign(process.env, { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_ORG_ID: "org-elsewhere", OPENAI_PROJECT_ID: "proj-elsewhere" });
    try {
      const isolated = createAzureAdapter("azure-env", config());
      await isolated.chat(request(), "gpt-4o-mini-eu", call());
      await isolated.close();
    } finally {
      delete process.env.OPENAI_BASE_URL;
      delete process.env.OPENAI_ORG_ID;
      delete process.env.OPENAI_PROJECT_ID;
      // JSON drops the names that were unset before, so only set ones are restored.
      Object.assign(process.env, JSON.parse(JSON.stringify({ OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID })) as Record<string, string>);
    }
    expect(fake.lastChat.path).toBe("/openai/deployments/gpt-4o-mini-eu/chat/completions");
    expect(fake.lastChat.headers["openai-organization"]).toBeUndefined();
    expect(fake.lastChat.headers["openai-project"]).toBeUndefined();
  });

  it("escapes a deployment name in the path", async () => {
    await adapter.chat(request(), "team a/gpt", call());
    expect(deploymentOf(fake.lastChat)).toBe("team a/gpt");
  });

  it("passes fields it does not know through unchanged", async () => {
    const extras = {
      temperature: 0.2,
      seed: 7,
      n: 2,
      response_format: { type: "json_object" },
      data_sources: [{ type: "azure_search", parameters: { endpoint: "https://search.example", index_name: "docs" } }],
      vendor_flag: { nested: [1, "two", null] },
    };
    await adapter.chat(request(extras), "gpt-4o-mini-eu", call());
    expect(lastBody()).toEqual({ model: "gpt-4o-mini-eu", messages: [{ role: "user", content: "Hello there" }], ...extras });
  });

  it("returns tool calls as Azure sent them", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ id: "call_a1", name: "get_weather", arguments: { city: "Oslo" } }], finish: "tool_calls" } });
    const completion = completionOf(await adapter.chat(request({ tools: [weatherTool] }), "gpt-4o-mini-eu", call()));
    expect(completion.choices[0]?.message.tool_calls).toEqual([{ id: "call_a1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(lastBody()["tools"]).toEqual([weatherTool]);
  });
});

describe("chat (streaming)", () => {
  it("always asks for usage and yields role, text deltas, finish_reason and the usage chunk", async () => {
    fake.script({ reply: { text: "one two three", usage: { prompt: 12, completion: 3 } } });
    const chunks = await collect(await adapter.chat(request({ stream: true }), "gpt-4o-mini-eu", call()));
    expect(lastBody()["stream"]).toBe(true);
    expect(lastBody()["stream_options"]).toEqual({ include_usage: true });
    expect(fake.lastChat.path).toBe("/openai/deployments/gpt-4o-mini-eu/chat/completions");
    expect(fake.lastChat.headers["x-request-id"]).toBe("req-azure-1");
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
    // Azure's prompt annotation frame (no choices, empty id) never reaches the writer.
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === "chatcmpl-fake")).toBe(true);
  });

  it("keeps the client's other stream options while turning usage on", async () => {
    await collect(await adapter.chat(request({ stream: true, stream_options: { include_usage: false, include_obfuscation: false } }), "d", call()));
    expect(lastBody()["stream_options"]).toEqual({ include_usage: true, include_obfuscation: false });
  });

  it("streams tool-call deltas through", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ id: "call_b2", name: "get_weather", arguments: { city: "Lima", days: 3 } }], finish: "tool_calls" } });
    const chunks = await collect(await adapter.chat(request({ stream: true, tools: [weatherTool] }), "d", call()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: "call_b2", type: "function", function: { name: "get_weather", arguments: "" } });
    expect(JSON.parse(calls.map((c) => c.function?.arguments ?? "").join(""))).toEqual({ city: "Lima", days: 3 });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("throws an HTTP error before the stream from chat() itself", async () => {
    fake.script({ status: 503, message: "deployment busy" });
    const error = await rejection(adapter.chat(request({ stream: true }), "d", call()));
    expect(error).toMatchObject({ provider: "azure-eu", status: 503, failure: "http", retryable: true, body: { message: "deployment busy" } });
  });

  it("throws a mid-stream error frame from the iterator after the chunks already received", async () => {
    fake.script({ reply: { text: "alpha beta gamma delta" }, errorAfterFrames: 4 });
    const result = await adapter.chat(request({ stream: true }), "d", call());
    const received: ChatCompletionChunk[] = [];
    const error = await rejection(drainInto(result, received));
    expect(error).toMatchObject({ provider: "azure-eu", status: 502, failure: "stream", body: { message: "fake upstream failed mid-stream", type: "server_error" } });
    expect(received.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("alpha beta ");
  });

  it("throws when the connection is cut mid-stream", async () => {
    fake.script({ reply: { text: "alpha beta gamma delta" }, cutAfterFrames: 4 });
    const error = await rejection(collect(await adapter.chat(request({ stream: true }), "d", call())));
    expect(error).toMatchObject({ failure: "stream", status: 502 });
  });

  it("aborting the signal mid-stream ends the iterator as aborted and reaches the upstream", async () => {
    const controller = new AbortController();
    fake.script({ reply: { text: "w ".repeat(200) }, chunkIntervalMs: 20 });
    const result = await adapter.chat(request({ stream: true }), "d", call({ signal: controller.signal }));
    const error = await rejection(abortAfterContent(result, controller, 2));
    expect(error).toMatchObject({ failure: "aborted", retryable: false });
    const received = fake.lastChat;
    await waitFor(() => received.aborted, "the fake to see the abort");
  });

  it("a consumer that stops reading early releases the upstream request", async () => {
    fake.script({ reply: { text: "w ".repeat(200) }, chunkIntervalMs: 20 });
    const result = await adapter.chat(request({ stream: true }), "d", call());
    await stopAtFirstContent(result);
    const received = fake.lastChat;
    await waitFor(() => received.aborted, "the upstream stream to be closed");
  });
});

describe("errors before an answer", () => {
  it("keeps a 400's status, message and code, not retryable", async () => {
    fake.script({ status: 400, message: "Invalid value for 'messages'" });
    const error = await rejection(adapter.chat(request(), "d", call()));
    expect(error).toMatchObject({ provider: "azure-eu", status: 400, failure: "http", retryable: false, body: { message: "Invalid value for 'messages'", type: "invalid_request_error" } });
    expect(error.message).toBe("Invalid value for 'messages'");
  });

  it("maps 429 with retry-after-ms and retry-after, without retrying in the SDK", async () => {
    fake.script({ status: 429, message: "Please retry after 2 seconds.", headers: { "retry-after": "2", "retry-after-ms": "1500" } });
    const error = await rejection(adapter.chat(request(), "d", call()));
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 1500, body: { code: "429", message: "Please retry after 2 seconds." } });
    fake.script({ status: 429, message: "slow down", headers: { "retry-after": "3" } });
    expect((await rejection(adapter.chat(request(), "d", call()))).retryAfterMs).toBe(3000);
    expect(fake.chatRequests).toHaveLength(2);
  });

  it("maps a 500 to a retryable upstream fault", async () => {
    fake.script({ status: 500, message: "The server had an error" });
    const error = await rejection(adapter.chat(request(), "d", call()));
    expect(error).toMatchObject({ status: 500, failure: "http", retryable: true, isUpstreamFault: true, retryAfterMs: undefined, body: { code: "InternalServerError" } });
    expect(fake.chatRequests).toHaveLength(1);
  });

  it("keeps a missing deployment a 404", async () => {
    fake.script({ status: 404, message: "The API deployment for this resource does not exist." });
    expect(await rejection(adapter.chat(request(), "nope", call()))).toMatchObject({ status: 404, retryable: false, body: { code: "DeploymentNotFound" } });
  });

  it("aborting while the upstream hangs rejects chat() as aborted and closes the upstream request", async () => {
    const controller = new AbortController();
    fake.script({ hang: true });
    const pending = adapter.chat(request(), "d", call({ signal: controller.signal }));
    await waitFor(() => fake.chatRequests.length === 1, "the request to arrive");
    controller.abort();
    const error = await rejection(pending);
    expect(error).toMatchObject({ status: 499, failure: "aborted", retryable: false });
    const received = fake.lastChat;
    await waitFor(() => received.aborted, "the fake to see the abort");
  });

  it("maps a refused connection to a 502 connection failure naming the socket error", async () => {
    const gone = await startAzureFake();
    const origin = gone.origin;
    await gone.close();
    const orphan = createAzureAdapter("azure-eu", config({ endpoint: origin }));
    const error = await rejection(orphan.chat(request(), "d", call()));
    expect(error).toMatchObject({ status: 502, failure: "connection", retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
    await orphan.close();
  });
});

describe("listModels and close", () => {
  it("lists the resource's models from GET /openai/models with api-version and api-key", async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"]);
    const listing = fake.requests.at(-1);
    expect(listing?.method).toBe("GET");
    expect(listing?.path).toBe("/openai/models");
    expect(listing?.query.get("api-version")).toBe("2024-10-21");
    expect(listing?.headers["api-key"]).toBe("azure-test-key");
  });

  it("reports a failing listing as an UpstreamError", async () => {
    const gone = await startAzureFake();
    const origin = gone.origin;
    await gone.close();
    const orphan = createAzureAdapter("azure-eu", config({ endpoint: origin }));
    expect(await rejection(orphan.listModels(new AbortController().signal))).toMatchObject({ failure: "connection", status: 502 });
    await orphan.close();
  });

  it("close() releases the adapter's connections and may be called twice", async () => {
    const own = await startAzureFake();
    const closing = createAzureAdapter("c", config({ endpoint: own.origin }));
    await closing.chat(request(), "d", call());
    expect(own.openSockets).toBeGreaterThan(0);
    await closing.close();
    await closing.close(); // a reload and a shutdown may both close it
    await waitFor(() => own.openSockets === 0, "keep-alive sockets to close");
    await own.close();
  });
});
