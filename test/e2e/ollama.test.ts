// A local Ollama behind the gateway, driven with the real `openai` SDK: what the client gets,
// and what Ollama was sent.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import { APIError } from "openai";
import type { FakeUpstream, RecordedRequest } from "../fakes/fake-upstream.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { eventually, requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { abortAfter, apiError, streamText } from "../harness/client-calls.ts";

const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

interface SentMessage {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
  tool_name?: string;
}
interface SentBody {
  model: string;
  stream: boolean;
  messages: SentMessage[];
  tools?: unknown[];
  format?: unknown;
  options?: Record<string, unknown>;
  keep_alive?: string;
}
const sent = (req: RecordedRequest) => req.body as SentBody;

describe("Ollama through the gateway", () => {
  let fake: FakeUpstream;
  let backup: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startOllamaFake();
    backup = await startOllamaFake();
    const gone = await startOllamaFake();
    const goneOrigin = gone.origin;
    await gone.close();
    gw = await startTestGateway({
      providers: {
        local: { type: "ollama", base_url: fake.origin, keep_alive: "30m", headers: { "x-tenant": "acme" } },
        backup: { type: "ollama", base_url: backup.origin },
        down: { type: "ollama", base_url: goneOrigin },
      },
      models: {
        llama: { targets: [{ provider: "local", model: "llama3.1:8b" }] },
        "down-then-backup": {
          targets: [
            { provider: "down", model: "llama3.1:8b" },
            { provider: "backup", model: "qwen3:4b" },
          ],
        },
        "only-down": { targets: [{ provider: "down", model: "llama3.1:8b" }] },
      },
      resilience: { retries: 0 },
    });
    client = gw.client();
  });
  afterAll(() => stopAll(gw, fake, backup));
  beforeEach(() => resetAll(fake, backup));

  it("answers a chat, sending system and developer messages as system and stream false", async () => {
    fake.script({ reply: { text: "Bonjour ! 👋", usage: { prompt: 30, completion: 5 } } });
    const { data, response } = await client.chat.completions
      .create({
        model: "llama",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "developer", content: "Reply in French." },
          { role: "user", content: "Say hello" },
        ],
        temperature: 0.4,
        max_completion_tokens: 64,
        seed: 7,
        stop: ["\n\n"],
      })
      .withResponse();
    expect(data.model).toBe("llama");
    expect(data.choices[0]?.message.content).toBe("Bonjour ! 👋");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 });
    expect(response.headers.get("x-llm-provider")).toBe("local");
    expect(response.headers.get("x-llm-model")).toBe("llama3.1:8b");

    const body = sent(fake.lastChat);
    expect(fake.lastChat.path).toBe("/api/chat");
    expect(body).toMatchObject({ model: "llama3.1:8b", stream: false, keep_alive: "30m" });
    expect(body.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "system", content: "Reply in French." },
      { role: "user", content: "Say hello" },
    ]);
    expect(body.options).toEqual({ temperature: 0.4, num_predict: 64, seed: 7, stop: ["\n\n"] });
    expect(fake.lastChat.headers["x-tenant"]).toBe("acme");
    expect(fake.lastChat.headers["x-request-id"]).toBe(response.headers.get("x-request-id"));
  });

  it("streams NDJSON as chat.completion.chunks with the usage chunk last when asked", async () => {
    fake.script({ reply: { text: "uno dos tres", usage: { prompt: 8, completion: 3 } } });
    const stream = await client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "count in Spanish" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("uno dos tres");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 3, total_tokens: 11 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(sent(fake.lastChat).stream).toBe(true);
  });

  it("runs a parallel tool-call round trip: ids out, tool_name and object arguments back in", async () => {
    fake.script({
      reply: {
        text: "",
        toolCalls: [
          { name: "get_weather", arguments: { city: "Oslo" } },
          { name: "get_time", arguments: { city: "Lima" } },
        ],
      },
    });
    const tools = [weather, { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: {} } } }];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo and time in Lima?" }];
    const first = await client.chat.completions.create({ model: "llama", messages, tools });
    const message = first.choices[0]!.message;
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    const calls = (message.tool_calls ?? []).filter((c) => c.type === "function");
    expect(calls.map((c) => c.function.name)).toEqual(["get_weather", "get_time"]);
    expect(sent(fake.lastChat).tools).toHaveLength(2);

    messages.push(
      message,
      { role: "tool", tool_call_id: calls[1]!.id, content: "09:15" },
      { role: "tool", tool_call_id: calls[0]!.id, content: "Snow, -3 °C" },
    );
    fake.script({ reply: { text: "Oslo: snow, -3 °C. Lima: 09:15." } });
    const second = await client.chat.completions.create({ model: "llama", messages, tools });
    expect(second.choices[0]?.message.content).toBe("Oslo: snow, -3 °C. Lima: 09:15.");
    expect(second.choices[0]?.finish_reason).toBe("stop");

    expect(sent(fake.lastChat).messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { function: { name: "get_weather", arguments: { city: "Oslo" } } },
          { function: { name: "get_time", arguments: { city: "Lima" } } },
        ],
      },
      { role: "tool", content: "09:15", tool_name: "get_time" },
      { role: "tool", content: "Snow, -3 °C", tool_name: "get_weather" },
    ]);
  });

  it("streams tool calls the openai SDK can assemble into a final completion", async () => {
    fake.script({
      reply: {
        text: "Let me check.",
        toolCalls: [
          { name: "get_weather", arguments: { city: "Reykjavík" } },
          { name: "get_weather", arguments: { city: "Nuuk" } },
        ],
        usage: { prompt: 50, completion: 20 },
      },
    });
    const runner = client.chat.completions.stream({
      model: "llama",
      messages: [{ role: "user", content: "Weather in Reykjavík and Nuuk?" }],
      tools: [weather],
      stream_options: { include_usage: true },
    });
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Let me check.");
    const calls = (choice.message.tool_calls ?? []).filter((c) => c.type === "function");
    expect(calls.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([{ city: "Reykjavík" }, { city: "Nuuk" }]);
    expect(calls[0]?.id).not.toBe(calls[1]?.id);
    expect(final.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 });
    await eventually(() => expect(requestLines(gw).at(-1)).toMatchObject({ promptTokens: 50, completionTokens: 20 }));
  });

  it("sends JSON schema output and inline images the way Ollama takes them", async () => {
    fake.script({ reply: { text: '{"colour":"red"}' } });
    const schema = { type: "object", properties: { colour: { type: "string" } }, required: ["colour"], additionalProperties: false };
    const res = await client.chat.completions.create({
      model: "llama",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Which colour dominates?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
          ],
        },
      ],
      response_format: { type: "json_schema", json_schema: { name: "colour", schema, strict: true } },
    });
    expect(JSON.parse(res.choices[0]?.message.content ?? "")).toEqual({ colour: "red" });
    const body = sent(fake.lastChat);
    expect(body.format).toEqual(schema);
    expect(body.messages).toEqual([{ role: "user", content: "Which colour dominates?", images: [PNG_1PX] }]);
  });

  it.each([
    ["n=2", { n: 2 }, "n"],
    ["tool_choice required", { tools: [weather], tool_choice: "required" as const }, "tool_choice"],
    ["logprobs", { logprobs: true }, "logprobs"],
  ])("answers %s with a 400 naming the parameter, without calling Ollama", async (_label, extra, param) => {
    const error = await apiError(client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }], ...extra }));
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("turns an Ollama 400 into a 400 with Ollama's message, and a 500 into a 502", async () => {
    fake.script({ status: 400, message: "invalid options: num_predict" });
    const bad = await apiError(client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }] }));
    expect(bad.status).toBe(400);
    expect(bad.message).toContain("invalid options: num_predict");

    fake.script({ status: 500, message: "llama runner process has terminated" });
    const failed = await apiError(client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }] }));
    expect(failed.status).toBe(502);
    expect(failed.message).toContain("llama runner process has terminated");
  });

  it("reports a model Ollama does not have as an upstream failure naming it", async () => {
    fake.script({ status: 404, message: 'model "llama3.1:8b" not found, try pulling it first' });
    const error = await apiError(client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }] }));
    expect(error).toBeInstanceOf(APIError);
    // A missing model is the gateway's misconfiguration, not the client's fault: a 502, not a 404.
    expect(error.status).toBe(502);
    expect(error.message).toContain("not found, try pulling it first");
    expect(fake.chatRequests).toHaveLength(1);
  });

  it("passes a 429 on with Retry-After", async () => {
    fake.script({ status: 429, message: "too many requests", headers: { "retry-after": "2" } });
    const error = await apiError(client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBe("2");
  });

  it("ends the client's stream with an error when Ollama sends an error line mid-stream", async () => {
    fake.script({ reply: { text: "a b c d e f" }, errorAfterFrames: 3 });
    const stream = await client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }], stream: true });
    const got = { text: "" };
    await expect(streamText(stream, got)).rejects.toThrow();
    expect(got.text).toBe("a b c ");
  });

  it("aborts the Ollama request when the client disconnects mid-stream", async () => {
    fake.script({ reply: { text: "a b c d e f g h i j k l" }, chunkIntervalMs: 100 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "llama", messages: [{ role: "user", content: "long" }], stream: true },
      { signal: controller.signal },
    );
    expect(await abortAfter(stream, controller, 2)).toBe(2);
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });

  it("falls back to the next target when Ollama is not running", async () => {
    backup.script({ reply: { text: "served by the backup" } });
    const { data, response } = await client.chat.completions
      .create({ model: "down-then-backup", messages: [{ role: "user", content: "x" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("served by the backup");
    expect(response.headers.get("x-llm-provider")).toBe("backup");
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");
    expect(sent(backup.lastChat).model).toBe("qwen3:4b");
  });

  it("answers 502 naming the provider when the only Ollama is not running", async () => {
    const error = await apiError(client.chat.completions.create({ model: "only-down", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(502);
    expect(error.message).toContain("down");
  });
});
