// Gemini behind the gateway, driven with the real `openai` SDK as a user would: what the client
// gets, and what the fake Gemini API received.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import { APIError } from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { fakeThoughtSignature, startGeminiFake } from "../fakes/gemini.ts";
import { eventually, startTestGateway, type TestGateway } from "../harness/gateway.ts";
import { abortAfter, apiError, streamText } from "../harness/client-calls.ts";

const UPSTREAM_KEY = "AIza-gateway-upstream-key";
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex");

const weather: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};

interface GeminiBody {
  contents: { role: string; parts: Record<string, unknown>[] }[];
  systemInstruction?: unknown;
  generationConfig?: Record<string, unknown>;
  tools?: { functionDeclarations: Record<string, unknown>[] }[];
  toolConfig?: unknown;
}

describe("Gemini through the gateway", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  let images: Server;
  let imageUrl: string;
  const sent = () => fake.lastChat.body as GeminiBody;

  beforeAll(async () => {
    fake = await startGeminiFake();
    images = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(PNG);
    });
    await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/chart.png`;
    gw = await startTestGateway(
      {
        providers: { gem: { type: "gemini", api_key: "${GEMINI_KEY}", base_url: fake.origin, headers: { "x-goog-user-project": "proj-7" } } },
        models: {
          flash: { targets: [{ provider: "gem", model: "gemini-2.5-flash" }] },
          "flash-3": { targets: [{ provider: "gem", model: "gemini-3-flash-preview" }] },
          resilient: {
            targets: [
              { provider: "gem", model: "gemini-2.5-pro" },
              { provider: "gem", model: "gemini-2.5-flash" },
            ],
          },
        },
        keys: [{ name: "team", key: "sk-client-key" }],
        resilience: { retries: 0 },
        images: { allow_private_hosts: true },
      },
      { GEMINI_KEY: UPSTREAM_KEY },
    );
    client = gw.client("sk-client-key");
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
    await new Promise((resolve) => images.close(resolve));
  });
  beforeEach(() => fake.reset());

  it("answers a chat and sends Gemini what it expects, the key in a header and nowhere else", async () => {
    fake.script({ reply: { text: "Paris.", usage: { prompt: 20, completion: 2 } } });
    const { data, response } = await client.chat.completions
      .create(
        {
          model: "flash",
          messages: [
            { role: "system", content: "Answer in one word." },
            { role: "developer", content: "Be exact." },
            { role: "user", content: "Capital of France?" },
          ],
          temperature: 0.1,
          max_tokens: 16,
          stop: ["\n"],
          seed: 7,
        },
        { headers: { "x-request-id": "trace-gem-1" } },
      )
      .withResponse();
    expect(data).toMatchObject({
      object: "chat.completion",
      model: "flash",
      choices: [{ index: 0, message: { role: "assistant", content: "Paris." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 },
    });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(response.headers.get("x-llm-provider")).toBe("gem");
    expect(response.headers.get("x-llm-model")).toBe("gemini-2.5-flash");

    const got = fake.lastChat;
    expect(got.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(got.headers["x-goog-api-key"]).toBe(UPSTREAM_KEY);
    expect(got.headers["x-goog-user-project"]).toBe("proj-7");
    expect(got.headers["x-request-id"]).toBe("trace-gem-1");
    expect(got.headers["authorization"]).toBeUndefined();
    expect([...got.query.keys()]).not.toContain("key");
    expect(JSON.stringify(got.headers) + got.raw).not.toContain("sk-client-key");
    expect(sent().systemInstruction).toEqual({ parts: [{ text: "Answer in one word." }, { text: "Be exact." }] });
    expect(sent().contents).toEqual([{ role: "user", parts: [{ text: "Capital of France?" }] }]);
    expect(sent().generationConfig).toEqual({ temperature: 0.1, maxOutputTokens: 16, stopSequences: ["\n"], seed: 7 });
  });

  it("streams text and reports usage once, from Gemini's running totals", async () => {
    fake.script({ reply: { text: "uno dos tres cuatro cinco", usage: { prompt: 9, completion: 10 } } });
    const stream = await client.chat.completions.create({
      model: "flash",
      messages: [{ role: "user", content: "Count in Spanish" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    const usages: unknown[] = [];
    let role: string | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(role).toBe("assistant");
    expect(deltas).toEqual(["uno ", "dos ", "tres ", "cuatro ", "cinco"]);
    expect(finish).toBe("stop");
    expect(usages).toEqual([{ prompt_tokens: 9, completion_tokens: 10, total_tokens: 19 }]);
    expect(fake.lastChat.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    expect(fake.lastChat.query.get("alt")).toBe("sse");
  });

  it("completes a parallel tool-call round trip, returning the thought signature to Gemini", async () => {
    fake.script({
      reply: { text: "", toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_weather", arguments: { city: "Bergen" } }] },
    });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo and Bergen?" }];
    const first = await client.chat.completions.create({ model: "flash-3", messages, tools: [weather], tool_choice: "auto" });
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(sent().tools?.[0]?.functionDeclarations).toEqual([
      {
        name: "get_weather",
        description: "Current weather for a city",
        parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
      },
    ]);
    expect(sent().toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });

    const assistant = first.choices[0]!.message;
    const calls = assistant.tool_calls ?? [];
    expect(calls).toHaveLength(2);
    messages.push(
      assistant,
      { role: "tool", tool_call_id: calls[0]!.id, content: '{"temp":4,"sky":"snow"}' },
      { role: "tool", tool_call_id: calls[1]!.id, content: "Rain, 7 °C" },
    );
    fake.script({ reply: { text: "Snowy in Oslo, rainy in Bergen.", usage: { prompt: 60, completion: 9 } } });
    const second = await client.chat.completions.create({ model: "flash-3", messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toBe("Snowy in Oslo, rainy in Bergen.");
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(sent().contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Oslo and Bergen?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: fakeThoughtSignature("get_weather") },
          { functionCall: { name: "get_weather", args: { city: "Bergen" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp: 4, sky: "snow" } } },
          { functionResponse: { name: "get_weather", response: { output: "Rain, 7 °C" } } },
        ],
      },
    ]);
  });

  it("streams tool calls as deltas, and the streamed ids still carry the signature back", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ name: "get_weather", arguments: { city: "Kyiv" } }] } });
    const stream = await client.chat.completions.create({
      model: "flash-3",
      messages: [{ role: "user", content: "Weather in Kyiv?" }],
      tools: [weather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      stream: true,
    });
    const calls: { id: string; name: string; args: string }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (d.id) calls[d.index] = { id: d.id, name: d.function?.name ?? "", args: d.function?.arguments ?? "" };
        else if (calls[d.index]) calls[d.index]!.args += d.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect(calls.map((c) => [c.name, JSON.parse(c.args) as unknown])).toEqual([["get_weather", { city: "Kyiv" }]]);
    expect(sent().toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } });

    fake.script({ reply: { text: "Clear skies." } });
    await client.chat.completions.create({
      model: "flash-3",
      messages: [
        { role: "user", content: "Weather in Kyiv?" },
        { role: "assistant", content: null, tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.args } })) },
        { role: "tool", tool_call_id: calls[0]!.id, content: "clear" },
      ],
      tools: [weather],
    });
    expect(sent().contents[1]).toEqual({
      role: "model",
      parts: [{ functionCall: { name: "get_weather", args: { city: "Kyiv" } }, thoughtSignature: fakeThoughtSignature("get_weather") }],
    });
  });

  it("fetches an http image and sends it inline; maps n and a JSON schema", async () => {
    fake.script({ reply: { text: '{"bars":3}' } });
    const res = await client.chat.completions.create({
      model: "flash",
      n: 2,
      response_format: {
        type: "json_schema",
        json_schema: { name: "chart", strict: true, schema: { type: "object", properties: { bars: { type: "integer" } }, required: ["bars"] } },
      },
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "How many bars?" },
            { type: "image_url", image_url: { url: imageUrl } },
          ],
        },
      ],
    });
    expect(res.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, '{"bars":3}'],
      [1, '{"bars":3}'],
    ]);
    expect(sent().contents[0]?.parts).toEqual([{ text: "How many bars?" }, { inlineData: { mimeType: "image/png", data: PNG.toString("base64") } }]);
    expect(sent().generationConfig).toEqual({
      candidateCount: 2,
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object", properties: { bars: { type: "integer" } }, required: ["bars"] },
    });
  });

  it("refuses a parameter Gemini cannot honour with a 400 naming it, without calling Gemini", async () => {
    const error = await apiError(client.chat.completions.create({ model: "flash", messages: [{ role: "user", content: "x" }], logprobs: true, top_logprobs: 2 }));
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(400);
    expect(error.param).toBe("logprobs");
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("passes Gemini's 400 through with its message and status name", async () => {
    fake.script({ status: 400, message: "Invalid JSON payload received. Unknown name \"foo\": Cannot find field." });
    const error = await apiError(client.chat.completions.create({ model: "flash", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('Unknown name "foo"');
    expect(error.type).toBe("invalid_request_error");
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.headers?.get("x-should-retry")).toBe("false");
  });

  it("turns RESOURCE_EXHAUSTED into a 429 with Retry-After from Gemini's RetryInfo", async () => {
    fake.script({ status: 429, message: "Quota exceeded for metric generate_content_free_tier_requests. Please retry in 2s." });
    const error = await apiError(client.chat.completions.create({ model: "flash", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBe("2");
    expect(error.message).toContain("Quota exceeded");
  });

  it("falls back to the next target when Gemini is overloaded", async () => {
    fake.script({ status: 503, message: "The model is overloaded. Please try again later." }, { reply: { text: "Served by flash." } });
    const { data, response } = await client.chat.completions.create({ model: "resilient", messages: [{ role: "user", content: "x" }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe("Served by flash.");
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");
    expect(fake.chatRequests.map((r) => r.path)).toEqual([
      "/v1beta/models/gemini-2.5-pro:generateContent",
      "/v1beta/models/gemini-2.5-flash:generateContent",
    ]);
  });

  it("maps a 503 with nowhere to fall back to a 502 naming the provider", async () => {
    fake.script({ status: 503, message: "The model is overloaded." });
    const error = await apiError(client.chat.completions.create({ model: "flash", messages: [{ role: "user", content: "x" }] }));
    expect(error.status).toBe(502);
    expect(error.message).toContain("gem");
    expect(error.message).toContain("The model is overloaded.");
  });

  it("ends the client stream with an error when Gemini fails mid-stream", async () => {
    fake.script({ reply: { text: "alpha beta gamma delta" }, errorAfterFrames: 2 });
    const stream = await client.chat.completions.create({ model: "flash", messages: [{ role: "user", content: "x" }], stream: true });
    const got = { text: "" };
    await expect(streamText(stream, got)).rejects.toThrow();
    expect(got.text).toBe("alpha beta ");
  });

  it("aborts the Gemini request when the client goes away mid-stream", async () => {
    fake.script({ reply: { text: "a b c d e f g h i j k l" }, chunkIntervalMs: 80 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "flash", messages: [{ role: "user", content: "long" }], stream: true },
      { signal: controller.signal },
    );
    const withText = (chunk: OpenAI.Chat.ChatCompletionChunk) => Boolean(chunk.choices[0]?.delta.content);
    expect(await abortAfter(stream, controller, 2, withText)).toBe(2);
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));
  });
});
