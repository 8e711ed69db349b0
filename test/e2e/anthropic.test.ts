// Claude behind the gateway, driven by the real `openai` SDK: what the client gets, and what
// the fake Messages API received.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import { APIError } from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { eventually, requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { abortAfter, apiError, streamText } from "../harness/client-calls.ts";

interface Block {
  type: string;
  [key: string]: unknown;
}
interface MessagesBody {
  model: string;
  max_tokens: number;
  system?: string;
  stream?: boolean;
  messages: Array<{ role: string; content: Block[] }>;
  tools?: Array<{ name: string }>;
  tool_choice?: unknown;
  output_config?: unknown;
  [key: string]: unknown;
}

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("Anthropic through the gateway", () => {
  let fake: FakeUpstream;
  let backup: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  const sent = () => fake.lastChat.body as MessagesBody;

  beforeAll(async () => {
    fake = await startAnthropicFake();
    backup = await startAnthropicFake();
    gw = await startTestGateway(
      {
        providers: {
          claude: { type: "anthropic", api_key: "${ANTHROPIC_KEY}", base_url: fake.origin, default_max_tokens: 1000, headers: { "x-team": "e2e" } },
          spare: { type: "anthropic", api_key: "sk-ant-spare", base_url: backup.origin },
        },
        models: {
          claude: { targets: [{ provider: "claude", model: "claude-sonnet-4-6" }] },
          "claude-short": { targets: [{ provider: "claude", model: "claude-haiku-4-5", default_max_tokens: 64 }] },
          "claude-ha": { targets: [{ provider: "claude", model: "claude-sonnet-4-6" }, { provider: "spare", model: "claude-opus-4-6" }] },
        },
        resilience: { retries: 0 },
      },
      { ANTHROPIC_KEY: "sk-ant-secret" },
    );
    client = gw.client("sk-client");
  });
  afterAll(() => stopAll(gw, fake, backup));
  beforeEach(() => resetAll(fake, backup));

  it("answers a chat: system and developer go to the top-level system, the upstream key and request id go upstream", async () => {
    fake.script({ reply: { text: "Bonjour ! 🇫🇷", usage: { prompt: 31, completion: 6 } } });
    const { data, response } = await client.chat.completions
      .create(
        {
          model: "claude",
          messages: [
            { role: "system", content: "You translate to French." },
            { role: "developer", content: "Keep it short." },
            { role: "user", content: "Hello!" },
          ],
          user: "end-user-7",
        },
        { headers: { "x-request-id": "trace-claude-1" } },
      )
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Bonjour ! 🇫🇷");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.model).toBe("claude");
    expect(data.usage).toMatchObject({ prompt_tokens: 31, completion_tokens: 6, total_tokens: 37 });
    expect(response.headers.get("x-llm-provider")).toBe("claude");
    expect(response.headers.get("x-llm-model")).toBe("claude-sonnet-4-6");

    const got = fake.lastChat;
    expect(got.path).toBe("/v1/messages");
    expect(got.headers["authorization"]).toBe("Bearer sk-ant-secret");
    expect(got.raw).not.toContain("sk-client");
    expect(got.headers["x-request-id"]).toBe("trace-claude-1");
    expect(got.headers["x-team"]).toBe("e2e");
    expect(sent()).toEqual({
      model: "claude-sonnet-4-6",
      max_tokens: 1000,
      stream: false,
      system: "You translate to French.\n\nKeep it short.",
      messages: [{ role: "user", content: [{ type: "text", text: "Hello!" }] }],
      metadata: { user_id: "end-user-7" },
    });
  });

  it("uses the target's default_max_tokens, and the client's max_completion_tokens over it", async () => {
    await client.chat.completions.create({ model: "claude-short", messages: [{ role: "user", content: "x" }] });
    expect(sent().max_tokens).toBe(64);
    await client.chat.completions.create({ model: "claude-short", messages: [{ role: "user", content: "x" }], max_completion_tokens: 9 });
    expect(sent().max_tokens).toBe(9);
  });

  it("streams role, text, finish_reason and usage, and counts usage once", async () => {
    fake.script({ reply: { text: "un deux trois", usage: { prompt: 12, completion: 3 } } });
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "count in French" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(sent().stream).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("un deux trois");
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]?.finish_reason)).toEqual(["stop"]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    await eventually(() => expect(requestLines(gw).at(-1)).toMatchObject({ promptTokens: 12, completionTokens: 3, stream: true }));
  });

  it("round-trips a tool call: tool_use back on the assistant turn, tool_result in the next user turn", async () => {
    fake.script({ reply: { text: "Let me check.", toolCalls: [{ id: "toolu_01Oslo", name: "get_weather", arguments: { city: "Oslo" } }] } });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo?" }];
    const first = await client.chat.completions.create({ model: "claude", messages, tools: [weather], tool_choice: "required" });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(message?.content).toBe("Let me check.");
    expect(message?.tool_calls).toEqual([{ id: "toolu_01Oslo", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }]);
    expect(sent().tools).toEqual([{ name: "get_weather", description: "Current weather for a city", input_schema: weather.function.parameters }]);
    expect(sent().tool_choice).toEqual({ type: "any" });
    if (!message) return;

    messages.push(message, { role: "tool", tool_call_id: "toolu_01Oslo", content: "Sunny, 21 °C" });
    fake.script({ reply: { text: "It is sunny and 21 °C in Oslo.", usage: { prompt: 80, completion: 10 } } });
    const second = await client.chat.completions.create({ model: "claude", messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toBe("It is sunny and 21 °C in Oslo.");
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(sent().messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Oslo?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_01Oslo", name: "get_weather", input: { city: "Oslo" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01Oslo", content: "Sunny, 21 °C" }] },
    ]);
  });

  it("streams parallel tool calls as index/id/name first, then argument fragments", async () => {
    fake.script({
      reply: {
        text: "",
        toolCalls: [
          { id: "toolu_a", name: "get_weather", arguments: { city: "Reykjavík" } },
          { id: "toolu_b", name: "get_weather", arguments: { city: "Nuuk" } },
        ],
      },
    });
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "Weather in Reykjavík and Nuuk?" }],
      tools: [weather],
      parallel_tool_calls: true,
      stream: true,
    });
    const calls = new Map<number, { id: string | undefined; name: string | undefined; args: string; fragments: number }>();
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const known = calls.get(delta.index);
        if (known) {
          expect(delta.id).toBeUndefined();
          known.args += delta.function?.arguments ?? "";
          known.fragments++;
        } else {
          calls.set(delta.index, { id: delta.id, name: delta.function?.name, args: delta.function?.arguments ?? "", fragments: 0 });
        }
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect([...calls.entries()].map(([i, c]) => [i, c.id, c.name, JSON.parse(c.args) as unknown])).toEqual([
      [0, "toolu_a", "get_weather", { city: "Reykjavík" }],
      [1, "toolu_b", "get_weather", { city: "Nuuk" }],
    ]);
    expect([...calls.values()].every((c) => c.fragments > 1)).toBe(true);
  });

  it("sends images as base64 and URL sources", async () => {
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    await client.chat.completions.create({
      model: "claude",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "low" } },
          ],
        },
      ],
    });
    expect(sent().messages[0]?.content).toEqual([
      { type: "text", text: "What is in these?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });

  it("asks for json_schema as structured output, and answers json_object through the forced tool", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    fake.script({ reply: { text: '{"city":"Oslo"}' } });
    const structured = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "Which city?" }],
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    });
    expect(JSON.parse(structured.choices[0]?.message.content ?? "")).toEqual({ city: "Oslo" });
    expect(sent().output_config).toEqual({ format: { type: "json_schema", schema } });

    fake.script({ reply: { text: "", toolCalls: [{ name: "json_response", arguments: { city: "Lima" } }] } });
    const loose = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "Answer in JSON: which city?" }],
      response_format: { type: "json_object" },
    });
    expect(loose.choices[0]?.message).toMatchObject({ content: '{"city":"Lima"}' });
    expect(loose.choices[0]?.message.tool_calls).toBeUndefined();
    expect(loose.choices[0]?.finish_reason).toBe("stop");
    expect(sent().tool_choice).toEqual({ type: "tool", name: "json_response" });
  });

  it.each([
    ["n > 1", { n: 2 }, "n"],
    ["temperature above Anthropic's 0..1", { temperature: 1.4 }, "temperature"],
    ["logprobs", { logprobs: true }, "logprobs"],
  ])("refuses %s with a 400 naming the parameter, without calling the upstream", async (_name, extra, param) => {
    const error = await apiError(client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], ...extra }));
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("drops sampling hints the current Anthropic API rejects, and says so in x-llm-warnings", async () => {
    const { response } = await client.chat.completions
      .create({ model: "claude", messages: [{ role: "user", content: "x" }], temperature: 0.2, top_p: 0.9, seed: 42 })
      .withResponse();
    const warnings = response.headers.get("x-llm-warnings") ?? "";
    for (const name of ["temperature", "top_p", "seed"]) expect(warnings).toContain(`${name} ignored`);
    expect(sent()).not.toHaveProperty("temperature");
    expect(sent()).not.toHaveProperty("top_p");
    expect(sent()).not.toHaveProperty("seed");
  });

  it("passes an upstream 400 through with its status and message", async () => {
    fake.script({ status: 400, message: "messages.0.content: Input should be a valid list" });
    const error = await apiError(client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("Input should be a valid list");
  });

  it("maps 529 overloaded to a 502 and falls back to the next target when there is one", async () => {
    fake.always({ status: 529, message: "Overloaded" });
    const error = await apiError(client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(502);
    expect(error.message).toContain("Overloaded");

    backup.script({ reply: { text: "from the spare" } });
    const { data, response } = await client.chat.completions.create({ model: "claude-ha", messages: [{ role: "user", content: "x" }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe("from the spare");
    expect(response.headers.get("x-llm-provider")).toBe("spare");
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");
    expect((backup.lastChat.body as MessagesBody).model).toBe("claude-opus-4-6");
    expect(backup.lastChat.headers["authorization"]).toBe("Bearer sk-ant-spare");
  });

  it("maps an upstream 429 to a 429 with Retry-After", async () => {
    fake.script({ status: 429, message: "rate limited", headers: { "retry-after": "30" } });
    const error = await apiError(client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBe("30");
  });

  it("ends the client stream with an error when the upstream sends an error event mid-stream", async () => {
    fake.script({ reply: { text: "a b c d e f g h" }, errorAfterFrames: 4 });
    const stream = await client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], stream: true });
    const got = { text: "" };
    await expect(streamText(stream, got)).rejects.toThrow();
    expect(got.text).toBe("a "); // frames: message_start, ping, content_block_start, "a ", then the error
  });

  it("aborts the upstream stream when the client disconnects", async () => {
    fake.script({ reply: { text: "w ".repeat(100) }, chunkIntervalMs: 50 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "claude", messages: [{ role: "user", content: "long" }], stream: true },
      { signal: controller.signal },
    );
    await abortAfter(stream, controller, 3);
    const received = fake.lastChat;
    await eventually(() => expect(received.aborted).toBe(true));
  });
});
