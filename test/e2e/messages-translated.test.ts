// The Anthropic Messages door's translated lane: the real @anthropic-ai/sdk against OpenAI,
// Gemini and Ollama upstreams. The answer comes back as an Anthropic message or an event stream
// a strict validator accepts, tool input rebuilt exactly, stop reasons and usage converted; the
// upstream gets the conversation in its own shape, without the Claude-only parts.
import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { CHAT_UPSTREAMS, gatewayOn, OPENAI_UPSTREAM } from "../fakes/chat-upstreams.ts";
import { validateEventStream } from "../dialects/anthropic-messages/event-stream-validator.ts";
import { requestLines } from "../harness/gateway.ts";

const bash = { name: "Bash", description: "Runs a command", input_schema: { type: "object" as const, properties: { command: { type: "string" } }, required: ["command"] } };

/** A Claude Code turn: attribution block first, cached system, a signed thinking block, a tool round trip. */
const agentTurn = (model: string) => ({
  model,
  max_tokens: 32000,
  system: [
    { type: "text" as const, text: "x-anthropic-billing-header: cc_version=2.1.0; cc_entrypoint=cli;" },
    { type: "text" as const, text: "You are Claude Code.", cache_control: { type: "ephemeral" as const } },
  ],
  messages: [
    { role: "user" as const, content: [{ type: "text" as const, text: "fix the test" }] },
    {
      role: "assistant" as const,
      content: [
        { type: "thinking" as const, thinking: "Run the tests first.", signature: "EqQBCkYIBhgCIkDsig" },
        { type: "tool_use" as const, id: "toolu_01A", name: "Bash", input: { command: "npm test" } },
      ],
    },
    { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: "toolu_01A", content: "1 failed" }] },
  ],
  tools: [bash],
  thinking: { type: "adaptive" as const },
  metadata: { user_id: "user_abc" },
});

const toolInput = { command: "ls -la \"src\"", env: { CI: "1" }, args: [1, 2.5, null, "ü ✓"] };

describe.each(CHAT_UPSTREAMS)("Messages door, translated lane to $name", (upstream) => {
  const lane = gatewayOn(upstream, { models: { "claude-sonnet-4-6": { targets: [{ provider: "up", model: "upstream-model" }] } }, resilience: { retries: 0 } });

  it("answers a tool call as a tool_use block with its input exact, and sends the turn without Claude-only parts", async () => {
    lane.fake.script({ reply: { text: "", toolCalls: [{ id: "call_1", name: "Bash", arguments: toolInput }], finish: "tool_calls", usage: { prompt: 30, completion: 8 } } });
    const { data: message, response } = await lane.client.messages.create(agentTurn("claude-sonnet-4-6")).withResponse();

    expect(message.stop_reason).toBe("tool_use");
    expect(message.model).toBe("claude-sonnet-4-6");
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: "tool_use", name: "Bash", input: toolInput });
    expect((message.content[0] as { id: string }).id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 8 });
    expect(response.headers.get("x-llm-warnings")).toContain("thinking blocks dropped");

    const sent = lane.fake.lastChat.raw;
    for (const text of ["You are Claude Code.", "fix the test", "1 failed", "npm test"]) expect(sent).toContain(text);
    for (const claudeOnly of ["x-anthropic-billing-header", "Run the tests first.", "EqQBCkYIBhgCIkDsig", "cache_control"]) expect(sent).not.toContain(claudeOnly);
    expect(requestLines(lane.gw).at(-1)).toMatchObject({ api: "messages", provider: "up", promptTokens: 30, completionTokens: 8 });
  });

  it("streams a well-formed event stream: text, then the tool call rebuilt exactly, stop reason and usage", async () => {
    lane.fake.script({ reply: { text: "Let me look at that.", toolCalls: [{ id: "call_2", name: "Bash", arguments: toolInput }], finish: "tool_calls", usage: { prompt: 40, completion: 12 } } });
    const res = await fetch(`${lane.gw.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { authorization: "Bearer any", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ ...agentTurn("claude-sonnet-4-6"), stream: true }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const built = validateEventStream(await res.text());
    expect(built.content).toEqual([
      { type: "text", text: "Let me look at that." },
      { type: "tool_use", id: expect.stringMatching(/^[a-zA-Z0-9_-]+$/) as unknown, name: "Bash", input: toolInput },
    ]);
    expect(built.stop_reason).toBe("tool_use");
    expect(built.usage).toMatchObject({ input_tokens: 40, output_tokens: 12 });
  });

  it("streams through messages.stream, and a cut-off answer stops at max_tokens", async () => {
    lane.fake.script({ reply: { text: "A long answer that was cut", finish: "length", usage: { prompt: 9, completion: 6 } } });
    const message = await lane.client.messages.stream({ model: "claude-sonnet-4-6", max_tokens: 6, messages: [{ role: "user", content: "Tell me everything." }] }).finalMessage();
    expect(message.content).toEqual([{ type: "text", text: "A long answer that was cut" }]);
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 6 });
  });
});

describe("Messages door, translated lane: what chat cannot carry", () => {
  const lane = gatewayOn(OPENAI_UPSTREAM, { models: { gpt: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } } });

  it("sends an image block as an image part", async () => {
    await lane.client.messages.create({
      model: "gpt",
      max_tokens: 100,
      messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }, { type: "text", text: "What is this?" }] }],
    });
    const sent = lane.fake.lastChat.body as { messages: { content: unknown }[] };
    expect(sent.messages[0]?.content).toEqual([
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "text", text: "What is this?" },
    ]);
  });

  it("ends a stream that breaks after its first byte with an Anthropic error event", async () => {
    lane.fake.script({ reply: { text: "one two three four five six" }, cutAfterFrames: 3 });
    const res = await fetch(`${lane.gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "any", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt", max_tokens: 100, stream: true, messages: [{ role: "user", content: "count" }] }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(() => validateEventStream(text)).toThrow(/error event/);
    const frames = text.trim().split("\n\n");
    expect(frames[0]).toMatch(/^event: message_start/);
    expect(frames.at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":/);
  });

  it("refuses a server tool with invalid_request_error naming it, and sends nothing upstream", async () => {
    const error = await lane.client.messages
      .create({ model: "gpt", max_tokens: 100, messages: [{ role: "user", content: "news?" }], tools: [{ type: "web_search_20250305", name: "web_search" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as APIError).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("web_search_20250305") as unknown } });
    expect(lane.fake.chatRequests).toHaveLength(0);
  });
});

describe("Messages door and the response cache", () => {
  const lane = gatewayOn(OPENAI_UPSTREAM, {
    models: { cached: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true } },
    cache: { store: "memory" },
  });

  it("never answers a Messages request from a chat entry: a repeat is served from the Messages door's own entry", async () => {
    const question = "What is the capital of France?";
    await lane.gw.client().chat.completions.create({ model: "cached", max_tokens: 50, messages: [{ role: "user", content: question }] });
    const cacheSaid: (string | null)[] = [];
    for (let i = 0; i < 2; i++) {
      const { data: message, response } = await lane.client.messages.create({ model: "cached", max_tokens: 50, messages: [{ role: "user", content: question }] }).withResponse();
      expect(message.type).toBe("message");
      expect(message.content).toEqual([{ type: "text", text: "Hello from the fake upstream." }]);
      cacheSaid.push(response.headers.get("x-llm-cache"));
    }
    expect(cacheSaid).toEqual(["miss", "hit"]);
    expect(lane.fake.chatRequests).toHaveLength(2);
  });
});
