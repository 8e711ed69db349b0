// Claude Code behind the gateway: a recorded Claude-Code-shaped turn (`?beta=true`, Bearer auth,
// attribution block first, tools, adaptive thinking, metadata.user_id, stream) served on both
// lanes, count_tokens on both, model discovery, and the pipeline's policy, limits and fallback
// as this door's clients see them.
import { readFileSync } from "node:fs";
import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COUNTED_TOKENS, startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { validateEventStream } from "../dialects/anthropic-messages/event-stream-validator.ts";
import { requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

const recorded = JSON.parse(readFileSync(new URL("../fixtures/anthropic/requests/claude-code-turn.json", import.meta.url), "utf8")) as Record<string, unknown>;
const BETAS = "claude-code-20250219,interleaved-thinking-2025-05-14,prompt-caching-scope-2026-01-05,effort-2025-11-24";

describe("Claude Code through the Messages door", () => {
  let claude: FakeUpstream;
  let openai: FakeUpstream;
  let gw: TestGateway;

  /** As Claude Code posts: `?beta=true`, Bearer token, its beta list and session header. */
  const post = (path: string, body: Record<string, unknown>, key = "cc-key") =>
    fetch(`${gw.url}/v1/${path}?beta=true`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": BETAS,
        "x-claude-code-session-id": "0b7a9c31-session",
        "user-agent": "claude-cli/2.1.181 (external, cli)",
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    claude = await startAnthropicFake();
    openai = await startOpenAIFake();
    gw = await startTestGateway({
      providers: {
        anthropic: { type: "anthropic", api_key: "sk-ant-team", base_url: claude.origin },
        local: { type: "openai", base_url: `${openai.origin}/v1` },
      },
      models: {
        "claude-sonnet-4-6": { targets: [{ provider: "anthropic", model: "claude-sonnet-4-6" }] },
        "claude-opus-4-6": { strategy: "fallback", targets: [{ provider: "anthropic", model: "claude-opus-4-6" }, { provider: "local", model: "gpt-4.1" }] },
        "claude-haiku-4-5-20251001": { targets: [{ provider: "local", model: "gpt-4.1-mini" }] },
      },
      routing: {
        detectors: [{ name: "falcon", pattern: "PROJECT-FALCON", sensitivity: "confidential" }],
        rules: [{ name: "falcon-stays-local", when: { sensitivity: "confidential" }, allow_providers: ["local"] }],
      },
      keys: [
        { name: "cc", key: "cc-key" },
        { name: "slow", key: "slow-key", rpm: 1 },
      ],
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, claude, openai));
  beforeEach(() => resetAll(claude, openai));

  it("serves the recorded turn natively: the upstream gets it as sent, with the beta list and the attribution block first", async () => {
    const res = await post("messages", recorded);
    expect(res.status).toBe(200);
    const built = validateEventStream(await res.text());
    expect(built.stop_reason).toBe("end_turn");
    expect(claude.lastChat.raw).toBe(JSON.stringify(recorded));
    expect(claude.lastChat.headers["anthropic-beta"]).toBe(BETAS);
    expect(claude.lastChat.query.get("beta")).toBe("true");
    expect(requestLines(gw).at(-1)).toMatchObject({ api: "messages", provider: "anthropic", session: "0b7a9c31-session" });
  });

  it("serves the same turn for the haiku tier from an OpenAI target, as a well-formed event stream", async () => {
    openai.script({ reply: { text: "The token expiry check is inverted.", usage: { prompt: 900, completion: 9 } } });
    const res = await post("messages", { ...recorded, model: "claude-haiku-4-5-20251001" });
    expect(res.status).toBe(200);
    const built = validateEventStream(await res.text());
    expect(built.content).toEqual([{ type: "text", text: "The token expiry check is inverted." }]);
    expect(built.usage).toMatchObject({ input_tokens: 900, output_tokens: 9 });
    const sent = openai.lastChat.body as { model: string; messages: { role: string }[]; tools: unknown[]; user: string };
    expect(sent.model).toBe("gpt-4.1-mini");
    expect(sent.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(sent.tools).toHaveLength(2);
    expect(sent.user).toBe("user_5f1c_account_8d2e_session_0b7a9c31");
  });

  it("counts tokens natively for an Anthropic target and estimates for any other, system and tools included", async () => {
    const { stream: _stream, max_tokens: _max, ...countBody } = recorded;
    const native = await post("messages/count_tokens", countBody);
    expect(native.status).toBe(200);
    expect(await native.json()).toEqual({ input_tokens: COUNTED_TOKENS });
    const forwarded = claude.requests.at(-1);
    expect(forwarded?.path).toBe("/v1/messages/count_tokens");
    expect(forwarded?.body).toEqual(countBody);

    const estimated = await post("messages/count_tokens", { ...countBody, model: "claude-haiku-4-5-20251001" });
    expect(estimated.status).toBe(200);
    const full = ((await estimated.json()) as { input_tokens: number }).input_tokens;
    const bare = await post("messages/count_tokens", { model: "claude-haiku-4-5-20251001", messages: countBody["messages"] });
    const messagesOnly = ((await bare.json()) as { input_tokens: number }).input_tokens;
    expect(messagesOnly).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(messagesOnly + 50);
    expect(openai.chatRequests).toHaveLength(0);
  });

  it("lists the models Anthropic clients can ask for", async () => {
    const client = new Anthropic({ apiKey: "cc-key", baseURL: gw.url, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5-20251001"]));
  });

  it("sends a confidential request (detected in a field only the native body carries) only where policy allows, or refuses it with 403", async () => {
    const secret = { ...recorded, stream: false, future_field: "notes on PROJECT-FALCON" };
    const refused = await post("messages", secret);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ type: "error", error: { type: "permission_error", message: expect.stringContaining("falcon-stays-local") as unknown } });
    expect(claude.chatRequests).toHaveLength(0);

    const served = await post("messages", { ...secret, model: "claude-opus-4-6" });
    expect(served.status).toBe(200);
    expect(served.headers.get("x-llm-provider")).toBe("local");
    expect(claude.chatRequests).toHaveLength(0);
  });

  it("refuses past the key's rate with 429 rate_limit_error and retry-after", async () => {
    const client = new Anthropic({ apiKey: "slow-key", baseURL: gw.url, maxRetries: 0, timeout: 30_000 });
    const body = { model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user" as const, content: "hi" }] };
    await client.messages.create(body);
    const error = (await client.messages.create(body).catch((e: unknown) => e)) as APIError;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);
  });

  it("falls back across lanes: an overloaded Anthropic target, then an OpenAI one translated", async () => {
    claude.script({ status: 529, message: "Overloaded" });
    openai.script({ reply: { text: "Served by the fallback.", usage: { prompt: 5, completion: 4 } } });
    const res = await post("messages", { ...recorded, model: "claude-opus-4-6" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-llm-fallbacks")).toBe("1");
    expect(res.headers.get("x-llm-provider")).toBe("local");
    const built = validateEventStream(await res.text());
    expect(built.content).toEqual([{ type: "text", text: "Served by the fallback." }]);
    expect(claude.chatRequests).toHaveLength(1);
  });
});
