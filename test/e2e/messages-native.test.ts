// The Anthropic Messages door's native lane, driven by the real @anthropic-ai/sdk: the upstream
// Messages API gets the client's body with only `model` set (cache_control, thinking signatures,
// context_management with its beta header, fields that do not exist yet), and the client gets
// the upstream's bytes.
import Anthropic, { APIError } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicProtocol, startAnthropicFake } from "../fakes/anthropic.ts";
import { defaultReply, type FakeUpstream } from "../fakes/fake-upstream.ts";
import { eventually, requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { parseSamples, scrapeText, seriesName } from "../telemetry/scrape.ts";

const bash = { name: "Bash", description: "Runs a command", input_schema: { type: "object" as const, properties: { command: { type: "string" } }, required: ["command"] } };

/** A conversation as Claude Code sends it: block system with cache_control, a signed thinking block, a tool round trip. */
function agentTurn(model: string) {
  return {
    model,
    max_tokens: 32000,
    system: [
      { type: "text" as const, text: "x-anthropic-billing-header: cc_version=2.1.0; cc_entrypoint=cli;" },
      { type: "text" as const, text: "You are Claude Code.", cache_control: { type: "ephemeral" as const, ttl: "1h" as const } },
    ],
    messages: [
      { role: "user" as const, content: [{ type: "text" as const, text: "fix the test" }] },
      {
        role: "assistant" as const,
        content: [
          { type: "thinking" as const, thinking: "Run the tests first.", signature: "EqQBCkYIBhgCIkDsig+/==" },
          { type: "tool_use" as const, id: "toolu_01A", name: "Bash", input: { command: "npm test" } },
        ],
      },
      {
        role: "user" as const,
        content: [{ type: "tool_result" as const, tool_use_id: "toolu_01A", content: "1 failed", cache_control: { type: "ephemeral" as const } }],
      },
    ],
    tools: [{ ...bash, cache_control: { type: "ephemeral" as const } }],
    thinking: { type: "adaptive" as const },
    metadata: { user_id: "user_abc_session_1" },
  };
}

/** What the client put on the wire last: the SDK's own headers, read from its fetch. */
const sentHeaders = new Headers();
const recordingFetch: typeof fetch = (input, init) => {
  sentHeaders.forEach((_value, name) => sentHeaders.delete(name));
  new Headers(init?.headers).forEach((value, name) => sentHeaders.set(name, value));
  return fetch(input, init);
};

describe("Messages door, native lane (Anthropic upstream)", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  let client: Anthropic;

  beforeAll(async () => {
    fake = await startAnthropicFake();
    gw = await startTestGateway(
      {
        providers: { claude: { type: "anthropic", api_key: "sk-ant-upstream", base_url: fake.origin } },
        models: {
          "claude-sonnet-4-6": { targets: [{ provider: "claude", model: "claude-sonnet-4-6-20260101" }] },
          "claude-haiku-4-5-20251001": { targets: [{ provider: "claude", model: "claude-haiku-4-5" }] },
        },
        keys: [{ name: "dev", key: "gw-key-1" }],
        resilience: { retries: 0 },
      },
    );
    client = new Anthropic({ apiKey: "gw-key-1", baseURL: gw.url, maxRetries: 0, timeout: 30_000, fetch: recordingFetch });
  });
  afterAll(() => stopAll(gw, fake));
  beforeEach(() => resetAll(fake));

  it("forwards the body as sent with only model set, and answers with the upstream's message", async () => {
    fake.script({ reply: { text: "Fixed.", usage: { prompt: 12, completion: 5, cacheRead: 4096, cacheWrite: 100 } } });
    const body = agentTurn("claude-sonnet-4-6");
    const message = await client.messages.create(body, { headers: { "x-claude-code-session-id": "sess-42" } });

    expect(message.id).toBe("msg_fake_json");
    expect(message.content).toEqual([{ type: "text", text: "Fixed.", citations: null }]);
    expect(message.usage.cache_read_input_tokens).toBe(4096);
    const upstream = fake.lastChat;
    expect(upstream.body).toEqual({ ...body, model: "claude-sonnet-4-6-20260101" });
    expect(upstream.headers["x-api-key"]).toBe("sk-ant-upstream");
    expect(upstream.headers["anthropic-version"]).toBe(sentHeaders.get("anthropic-version"));
    expect(upstream.headers["authorization"]).toBeUndefined();

    const line = requestLines(gw).at(-1);
    expect(line).toMatchObject({ api: "messages", path: "/v1/messages", status: 200, provider: "claude", session: "sess-42", keyName: "dev" });
    // Anthropic's input_tokens leaves cache reads and writes out; the gateway counts them all.
    expect(line?.["promptTokens"]).toBe(12 + 4096 + 100);
    expect(line?.["completionTokens"]).toBe(5);
    const samples = parseSamples(await scrapeText(`${gw.url}/metrics`));
    const labels = { api: "messages", key: "dev", model: "claude-sonnet-4-6", route: "none", provider: "claude", status_class: "2xx", outcome: "success" };
    expect(samples.get(seriesName("llm_gateway_requests_total", labels))).toBe(1);
  });

  it("keeps context_management with its beta header, Bearer auth and a field that does not exist yet", async () => {
    const bearer = new Anthropic({ authToken: "gw-key-1", apiKey: null, baseURL: gw.url, maxRetries: 0, timeout: 30_000 });
    const body = { ...agentTurn("claude-haiku-4-5-20251001"), context_management: { edits: [{ type: "clear_tool_uses_20250919" }] }, future_field_2027: { anything: [1, "two"] } };
    await bearer.beta.messages.create({ ...body, betas: ["context-management-2025-06-27", "claude-code-20250219"] } as Anthropic.Beta.MessageCreateParamsNonStreaming);

    const upstream = fake.lastChat;
    expect(upstream.headers["anthropic-beta"]).toBe("context-management-2025-06-27,claude-code-20250219");
    expect(upstream.body).toEqual({ ...body, model: "claude-haiku-4-5" });
  });

  it("serves /v1/messages?beta=true, as Claude Code posts it, and forwards the query", async () => {
    const res = await fetch(`${gw.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { authorization: "Bearer gw-key-1", "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219", "content-type": "application/json" },
      body: JSON.stringify(agentTurn("claude-sonnet-4-6")),
    });
    expect(res.status).toBe(200);
    // The upstream's own bytes, not a re-encoding of them.
    expect(await res.text()).toBe(JSON.stringify(anthropicProtocol.renderJson(defaultReply, fake.lastChat).body));
    expect(res.headers.get("request-id")).toBe(res.headers.get("x-request-id"));
    expect(fake.lastChat.query.get("beta")).toBe("true");
    expect(fake.lastChat.headers["anthropic-beta"]).toBe("claude-code-20250219");
  });

  it("relays the upstream's stream bytes as they are, pings included, and reads usage on the way", async () => {
    const reply = { ...defaultReply, text: "Streaming from Claude.", usage: { prompt: 20, completion: 4, cacheRead: 300 } };
    fake.script({ reply });
    const res = await fetch(`${gw.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "x-api-key": "gw-key-1", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ ...agentTurn("claude-sonnet-4-6"), stream: true }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(text).toBe(anthropicProtocol.renderStream(reply, fake.lastChat).join(""));
    await eventually(() => expect(requestLines(gw).at(-1)).toMatchObject({ stream: true, promptTokens: 320, completionTokens: 4 }));
  });

  it("streams with messages.stream: text and tool input arrive whole", async () => {
    fake.script({ reply: { text: "Let me look.", toolCalls: [{ id: "toolu_9", name: "Bash", arguments: { command: "ls -la", cwd: "/tmp" } }], finish: "tool_calls" } });
    const stream = client.messages.stream({ ...agentTurn("claude-sonnet-4-6") });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      { type: "text", text: "Let me look.", citations: null },
      { type: "tool_use", id: "toolu_9", name: "Bash", input: { command: "ls -la", cwd: "/tmp" } },
    ]);
    expect((fake.lastChat.body as { stream?: boolean }).stream).toBe(true);
  });

  it("passes an upstream error through with its status, type and words", async () => {
    fake.script({ status: 400, message: "prompt is too long: 215692 tokens > 200000 maximum" });
    const error = await client.messages.create(agentTurn("claude-sonnet-4-6")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const api = error as APIError;
    expect(api.status).toBe(400);
    expect(api.error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 215692 tokens > 200000 maximum" } });
    expect(api.requestID).toMatch(/.+/);
  });

  it("answers an overloaded upstream with 529 overloaded_error", async () => {
    fake.script({ status: 529, message: "Overloaded" });
    const error = (await client.messages.create(agentTurn("claude-sonnet-4-6")).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(529);
    expect(error.error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  it("refuses a wrong key and an unknown model in Anthropic's envelope", async () => {
    const stranger = new Anthropic({ apiKey: "wrong", baseURL: gw.url, maxRetries: 0, timeout: 30_000 });
    const denied = (await stranger.messages.create(agentTurn("claude-sonnet-4-6")).catch((e: unknown) => e)) as APIError;
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(denied.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });

    const unknown = (await client.messages.create(agentTurn("claude-nope")).catch((e: unknown) => e)) as APIError;
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("rejects a body without max_tokens with invalid_request_error naming it", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "gw-key-1", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("request-id")).toMatch(/.+/);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("max_tokens") as unknown } });
  });

  it("rejects an empty conversation with invalid_request_error, sending nothing upstream", async () => {
    const before = fake.chatRequests.length;
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "gw-key-1", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 16, messages: [] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "messages: at least one message is required" } });
    expect(fake.chatRequests).toHaveLength(before);
  });

  it("sends a large body as the client's own text with only model changed, and one that reads two ways as the gateway read it", async () => {
    const post = (text: string) => fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "x-api-key": "gw-key-1", "content-type": "application/json" }, body: text });
    const long = "read the file and fix the failing test ".repeat(600);
    const text = `{ "model": "claude-sonnet-4-6", "max_tokens": 64,\n  "messages": [{"role": "user", "content": "${long}"}], "temperature": 1.0 }`;
    expect((await post(text)).status).toBe(200);
    expect(fake.lastChat.raw).toBe(text.replace('"claude-sonnet-4-6"', '"claude-sonnet-4-6-20260101"'));

    // JSON.parse keeps the last of a repeated key: the upstream gets that one alone, whatever its parser keeps.
    const repeated = `{"model":"claude-sonnet-4-6","max_tokens":64,"messages":[{"role":"user","content":"unchecked","content":"${long}"}]}`;
    expect((await post(repeated)).status).toBe(200);
    expect(fake.lastChat.raw).toBe(JSON.stringify({ model: "claude-sonnet-4-6-20260101", max_tokens: 64, messages: [{ role: "user", content: long }] }));
  });

  it("closes the upstream stream when the client goes away", async () => {
    fake.script({ reply: { text: "one two three four five six seven eight nine ten" }, chunkIntervalMs: 50 });
    const controller = new AbortController();
    const stream = await client.messages.create({ ...agentTurn("claude-sonnet-4-6"), stream: true }, { signal: controller.signal });
    let seen = 0;
    try {
      for await (const event of stream) {
        if (event.type === "content_block_delta") seen += 1;
        if (seen === 2) controller.abort();
      }
    } catch {
      // the client left
    }
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });
});
