// The Responses door end to end with the real `openai` SDK: the translated lane against the
// OpenAI chat, Anthropic, Gemini and Ollama fakes (what each upstream received, and a Response
// and event stream that pass the spec checks), and the order strict clients rely on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkResponse, checkStream, parseEvents, textStreamTypes } from "../harness/responses-spec.ts";

interface Upstream {
  name: string;
  start(): Promise<FakeUpstream>;
  provider(fake: FakeUpstream): Record<string, unknown>;
  model: string;
}

const upstreams: Upstream[] = [
  { name: "openai", start: startOpenAIFake, provider: (f) => ({ type: "openai", api_key: "sk-up", base_url: `${f.origin}/v1` }), model: "gpt-4o-mini" },
  { name: "anthropic", start: startAnthropicFake, provider: (f) => ({ type: "anthropic", api_key: "sk-ant", base_url: f.origin }), model: "claude-sonnet-4-6" },
  { name: "gemini", start: startGeminiFake, provider: (f) => ({ type: "gemini", api_key: "g-key", base_url: f.origin }), model: "gemini-2.5-flash" },
  { name: "ollama", start: startOllamaFake, provider: (f) => ({ type: "ollama", base_url: f.origin }), model: "llama3.1:8b" },
];

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  strict: true,
};

describe("Responses door, translated lane", () => {
  const fakes = new Map<string, FakeUpstream>();
  let gw: TestGateway;

  beforeAll(async () => {
    for (const upstream of upstreams) fakes.set(upstream.name, await upstream.start());
    gw = await startTestGateway({
      providers: Object.fromEntries(upstreams.map((u) => [u.name, u.provider(fakes.get(u.name) as FakeUpstream)])),
      models: Object.fromEntries(upstreams.map((u) => [`m-${u.name}`, { targets: [{ provider: u.name, model: u.model }] }])),
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, ...fakes.values()));
  beforeEach(() => {
    for (const fake of fakes.values()) fake.reset();
  });

  describe.each(upstreams)("to $name", (upstream) => {
    const fake = () => fakes.get(upstream.name) as FakeUpstream;
    const model = `m-${upstream.name}`;

    it("creates a spec-valid Response from instructions and input, and the upstream gets both", async () => {
      fake().script({ reply: { text: "Paris is sunny.", usage: { prompt: 21, completion: 5 } } });
      const response = await gw.client().responses.create({
        model,
        instructions: "Answer in one short sentence.",
        input: [{ role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] }],
        max_output_tokens: 300,
      });
      expect(checkResponse(response)).toEqual([]);
      expect(response.output_text).toBe("Paris is sunny.");
      expect(response.status).toBe("completed");
      expect(response.model).toBe(model);
      expect(response.usage).toEqual({
        input_tokens: 21,
        input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 26,
      });
      const sent = fake().lastChat.raw;
      expect(sent).toContain("Answer in one short sentence.");
      expect(sent).toContain("Weather in Paris?");
      expect(sent).toContain("300");
    });

    it("streams events in the spec's order, and responses.stream() accumulates the final response", async () => {
      fake().script({ reply: { text: "It is sunny in Paris today.", usage: { prompt: 12, completion: 7 } } });
      const raw = await fetch(`${gw.baseURL}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body: JSON.stringify({ model, input: "Weather in Paris?", stream: true }),
      });
      expect(raw.headers.get("content-type")).toContain("text/event-stream");
      const { events, problems } = parseEvents(await raw.text());
      expect(problems).toEqual([]);
      expect(checkStream(events)).toEqual([]);
      expect(events.map((e) => e["type"])).toEqual(textStreamTypes(6));

      fake().script({ reply: { text: "Still sunny.", usage: { prompt: 3, completion: 2 } } });
      const stream = gw.client().responses.stream({ model, input: "And now?" });
      let deltas = "";
      for await (const event of stream) if (event.type === "response.output_text.delta") deltas += event.delta;
      const final = await stream.finalResponse();
      expect(deltas).toBe("Still sunny.");
      expect(final.output_text).toBe("Still sunny.");
      expect(final.usage?.total_tokens).toBe(5);
      expect(checkResponse(final)).toEqual([]);
    });

    it("runs function tools over two turns: the call comes back as fc_ item, its output goes up as a tool result", async () => {
      fake().script(
        { reply: { text: "", toolCalls: [{ id: "call_w1", name: "get_weather", arguments: { city: "Paris" } }], usage: { prompt: 30, completion: 9 } } },
        { reply: { text: "18C and cloudy in Paris.", usage: { prompt: 50, completion: 8 } } },
      );
      const client = gw.client();
      const first = await client.responses.create({ model, input: "Weather in Paris?", tools: [weatherTool], tool_choice: "auto", store: false });
      expect(checkResponse(first)).toEqual([]);
      const call = first.output[0];
      expect(call).toMatchObject({ type: "function_call", name: "get_weather", arguments: JSON.stringify({ city: "Paris" }), status: "completed" });
      if (call?.type !== "function_call") throw new Error("expected a function call");
      expect(call.id).toMatch(/^fc_/);
      const firstSent = fake().lastChat.raw;
      expect(firstSent).toContain("get_weather");
      expect(firstSent).toContain("Weather for a city");

      const second = await client.responses.create({
        model,
        store: false,
        tools: [weatherTool],
        input: [{ role: "user", content: "Weather in Paris?" }, call, { type: "function_call_output", call_id: call.call_id, output: "18C cloudy" }],
      });
      expect(second.output_text).toBe("18C and cloudy in Paris.");
      const sent = fake().lastChat.raw;
      expect(sent).toContain("18C cloudy");
      // Gemini and Ollama pair a tool result with its call by the function's name, not an id.
      expect(sent).toContain(["gemini", "ollama"].includes(upstream.name) ? "get_weather" : call.call_id);
    });

    it("reports a length stop as incomplete with max_output_tokens as the reason", async () => {
      fake().script({ reply: { text: "It is", finish: "length", usage: { prompt: 4, completion: 2 } } });
      const response = await gw.client().responses.create({ model, input: "Weather?", max_output_tokens: 16 });
      expect(checkResponse(response)).toEqual([]);
      expect(response.status).toBe("incomplete");
      expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
      expect(response.output[0]).toMatchObject({ type: "message", status: "incomplete" });
    });
  });

  it("sends text.format json_schema and reasoning effort as their chat equivalents", async () => {
    const fake = fakes.get("openai") as FakeUpstream;
    fake.script({ reply: { text: '{"city":"Paris"}' } });
    await gw.client().responses.create({
      model: "m-openai",
      input: "City?",
      text: { format: { type: "json_schema", name: "city", schema: { type: "object", properties: { city: { type: "string" } } }, strict: true } },
      reasoning: { effort: "low" },
    });
    expect(fake.lastChat.body).toMatchObject({
      model: "gpt-4o-mini",
      response_format: { type: "json_schema", json_schema: { name: "city", strict: true, schema: { type: "object" } } },
      reasoning_effort: "low",
    });
  });

  it("refuses a hosted tool with a 400 naming it, before any upstream is called", async () => {
    const error = await apiError(gw.client().responses.create({ model: "m-anthropic", input: "news?", tools: [{ type: "web_search" }] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("web_search");
    expect((fakes.get("anthropic") as FakeUpstream).chatRequests).toHaveLength(0);
  });

  it("ends a stream that fails after it started with response.failed, and nothing after it", async () => {
    const fake = fakes.get("openai") as FakeUpstream;
    fake.script({ reply: { text: "one two three four five" }, errorAfterFrames: 3 });
    const raw = await fetch(`${gw.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "m-openai", input: "count", stream: true }),
    });
    const { events } = parseEvents(await raw.text());
    expect(checkStream(events)).toEqual([]);
    const last = events.at(-1) as { type: string; response: { status: string; error: { code: string } } };
    expect(last.type).toBe("response.failed");
    expect(last.response.error.code).toBe("server_error");
  });
});
