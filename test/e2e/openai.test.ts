// The OpenAI-compatible hot path and the gateway's own error model, end to end.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { abortAfter, apiError } from "../harness/client-calls.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("OpenAI-compatible upstream", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    gw = await startTestGateway(
      {
        server: { host: "127.0.0.1", port: 0, body_limit_bytes: 64 * 1024 },
        providers: {
          up: { type: "openai", api_key: "${UPSTREAM_KEY}", base_url: `${fake.origin}/v1`, first_byte_timeout_ms: 400 },
          off: { type: "openai", api_key: "${NOT_SET_KEY}", base_url: `${fake.origin}/v1` },
        },
        models: {
          fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] },
          other: { targets: [{ provider: "up", model: "gpt-4o" }] },
          dark: { targets: [{ provider: "off", model: "gpt-4o" }] },
        },
        keys: [
          { name: "team-a", key: "${TEAM_A_KEY}", models: ["fast", "dark"] },
          { name: "ops", key_sha256: sha("sk-ops-secret") },
        ],
        resilience: { retries: 0 },
      },
      { UPSTREAM_KEY: "sk-upstream-secret", TEAM_A_KEY: "sk-team-a" },
    );
  });
  afterAll(() => stopAll(gw, fake));
  beforeEach(() => fake.reset());

  const post = (body: unknown, headers: Record<string, string> = {}, raw?: string) =>
    fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-team-a", ...headers },
      body: raw ?? JSON.stringify(body),
    });
  const hello = { model: "fast", messages: [{ role: "user", content: "hello" }] };

  it("sends the upstream key, the upstream model and unknown fields; never the client's key", async () => {
    const res = await post({ ...hello, logit_bias: { "50256": -100 }, some_vendor_flag: { deep: [1, 2] }, top_k: 40 });
    expect(res.status).toBe(200);
    const got = fake.lastChat;
    expect(got.headers["authorization"]).toBe("Bearer sk-upstream-secret");
    expect(got.raw).not.toContain("sk-team-a");
    expect(got.body).toMatchObject({ model: "gpt-4o-mini", some_vendor_flag: { deep: [1, 2] }, top_k: 40, logit_bias: { "50256": -100 } });
    expect(res.headers.get("x-llm-provider")).toBe("up");
    expect(res.headers.get("x-llm-model")).toBe("gpt-4o-mini");
    expect(res.headers.get("x-llm-fallbacks")).toBe("0");
  });

  it("keeps the gateway's routing hints out of the upstream request, and the rest of metadata in", async () => {
    expect((await post({ ...hello, metadata: { sensitivity: "internal", complexity: "simple", team: "search" } })).status).toBe(200);
    expect((fake.lastChat.body as { metadata?: unknown }).metadata).toEqual({ team: "search" });
    expect((await post({ ...hello, metadata: { sensitivity: "internal" } })).status).toBe(200);
    expect(fake.lastChat.body).not.toHaveProperty("metadata");
    expect((await post({ ...hello, metadata: { team: "search" } })).status).toBe(200);
    expect((fake.lastChat.body as { metadata?: unknown }).metadata).toEqual({ team: "search" });
  });

  it("asks the upstream for stream usage even when the client did not, and hides it", async () => {
    const res = await post({ ...hello, stream: true });
    const text = await res.text();
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect((fake.lastChat.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    expect(text).not.toMatch(/"choices":\[\]/);
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    await eventually(() => {
      const line = requestLines(gw).at(-1);
      expect(line).toMatchObject({ promptTokens: 11, completionTokens: 7, stream: true });
    });
  });

  it("accepts the key as x-api-key and by sha256", async () => {
    expect((await post(hello, { authorization: "", "x-api-key": "sk-team-a" })).status).toBe(200);
    expect((await post({ ...hello, model: "other" }, { authorization: "Bearer sk-ops-secret" })).status).toBe(200);
  });

  it.each([
    ["no key", { authorization: "" }, 401, "missing_api_key"],
    ["a wrong key", { authorization: "Bearer sk-wrong" }, 401, "invalid_api_key"],
  ])("refuses %s with 401", async (_name, headers, status, code) => {
    const res = await post(hello, headers);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: "authentication_error", code });
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("refuses a model the key may not use with 403, an unknown one with 404", async () => {
    const forbidden = await post({ ...hello, model: "other" });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { type: string } }).error.type).toBe("permission_error");
    const unknown = await post({ ...hello, model: "no-such-model" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
    expect(fake.chatRequests).toHaveLength(0);
  });

  it.each([
    ["malformed JSON", undefined, '{"model": "fast", "messages": [', null],
    ["a JSON array", [1, 2], undefined, null],
    ["missing messages", { model: "fast" }, undefined, "messages"],
    ["missing model", { messages: [{ role: "user", content: "x" }] }, undefined, "model"],
    ["messages of the wrong type", { model: "fast", messages: "hi" }, undefined, "messages"],
    ["an unknown role", { model: "fast", messages: [{ role: "wizard", content: "x" }] }, undefined, "messages[0].role"],
    ["a string temperature", { ...hello, temperature: "hot" }, undefined, "temperature"],
    ["temperature out of range", { ...hello, temperature: 3 }, undefined, "temperature"],
    ["max_tokens not an integer", { ...hello, max_tokens: 1.5 }, undefined, "max_tokens"],
    ["stream not a boolean", { ...hello, stream: "yes" }, undefined, "stream"],
    ["a tool without a name", { ...hello, tools: [{ type: "function", function: {} }] }, undefined, "tools[0].function.name"],
    ["a bad tool_choice", { ...hello, tool_choice: "sometimes" }, undefined, "tool_choice"],
  ])("answers %s with a 400 envelope naming the parameter", async (_name, body, raw, param) => {
    const res = await post(body, {}, raw);
    expect(res.status).toBe(400);
    expect(res.headers.get("x-should-retry")).toBe("false");
    const json = (await res.json()) as { error: { type: string; param: string | null; message: string } };
    expect(json.error.type).toBe("invalid_request_error");
    expect(json.error.param).toBe(param);
    expect(json.error.message.length).toBeGreaterThan(5);
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await post({ ...hello, messages: [{ role: "user", content: "x".repeat(80 * 1024) }] });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("request_too_large");
  });

  it("names the environment variable when the only provider is disabled", async () => {
    const res = await post({ ...hello, model: "dark" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("NOT_SET_KEY");
  });

  it("maps an upstream that never answers to 504 after the first-byte timeout", async () => {
    fake.script({ hang: true });
    const res = await post(hello);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("timeout_error");
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });

  it("maps a refused connection to 502", async () => {
    const dead = await startTestGateway({
      providers: { gone: { type: "openai", base_url: "http://127.0.0.1:9/v1" } },
      models: { m: { targets: [{ provider: "gone", model: "x" }] } },
      resilience: { retries: 0 },
    });
    try {
      const err = await apiError(dead.client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }));
      expect(err.status).toBe(502);
      expect(err.message).toContain("gone");
    } finally {
      await dead.stop();
    }
  });

  it("aborts the upstream request when the client disconnects mid-stream", async () => {
    fake.script({ reply: { text: "a b c d e f g h i j k l m n o p" }, chunkIntervalMs: 100 });
    const controller = new AbortController();
    const client = gw.client("sk-team-a");
    const stream = await client.chat.completions.create(
      { model: "fast", messages: [{ role: "user", content: "long" }], stream: true },
      { signal: controller.signal },
    );
    expect(await abortAfter(stream, controller, 2)).toBe(2);
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
    await eventually(() => expect(requestLines(gw).at(-1)).toMatchObject({ error: "client disconnected" }));
  });

  it("lists the configured models the key may use, with and without /v1", async () => {
    const client = gw.client("sk-team-a");
    const list = await client.models.list();
    expect(list.data.map((m) => m.id).sort()).toEqual(["dark", "fast"]);
    const one = await client.models.retrieve("fast");
    expect(one).toMatchObject({ id: "fast", object: "model", owned_by: "up" });
    const missing = await apiError(client.models.retrieve("other"));
    expect(missing.status).toBe(404);
    const bare = await fetch(`${gw.url}/models`, { headers: { authorization: "Bearer sk-ops-secret" } });
    expect(((await bare.json()) as { data: unknown[] }).data).toHaveLength(3);
  });

  it("serves /health and /ready without a key, and logs one line per request without secrets", async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    await post({ ...hello, messages: [{ role: "user", content: "my secret prompt text" }] });
    await eventually(() => expect(requestLines(gw).at(-1)).toMatchObject({ path: "/v1/chat/completions", status: 200, keyName: "team-a", model: "fast", provider: "up" }));
    const all = JSON.stringify(gw.logs);
    expect(all).not.toContain("my secret prompt text");
    expect(all).not.toContain("sk-team-a");
    expect(all).not.toContain("sk-upstream-secret");
  });

  it("serves chat completions without the /v1 prefix too", async () => {
    const res = await fetch(`${gw.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-team-a" },
      body: JSON.stringify(hello),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe("chat.completion");
    expect((fake.lastChat.body as { model: string }).model).toBe("gpt-4o-mini");
  });

  it("answers an unknown path with a 404 envelope", async () => {
    const res = await fetch(`${gw.url}/v1/embeddingz`, { headers: { authorization: "Bearer sk-team-a" } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unknown_url");
  });
});
