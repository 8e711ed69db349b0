// The same end-to-end body for every provider type: the real `openai` SDK against the gateway,
// the gateway against a fake that speaks that provider's wire protocol.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import { APIError } from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { providerCases } from "./provider-cases.ts";
import { apiError, drain } from "../harness/client-calls.ts";

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe.each(providerCases)("$name through the gateway", (pc) => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await pc.startFake();
    gw = await startTestGateway({
      providers: { up: pc.provider(fake) },
      models: { "test-model": { targets: [{ provider: "up", model: pc.upstreamModel }] } },
      resilience: { retries: 0 },
    });
    client = gw.client();
  });
  afterAll(() => stopAll(gw, fake));
  beforeEach(() => fake.reset());

  it("answers a chat completion and reaches the configured upstream model", async () => {
    fake.script({ reply: { text: "Paris is the capital of France.", usage: { prompt: 14, completion: 8 } } });
    const res = await client.chat.completions.create({
      model: "test-model",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "Capital of France?" },
      ],
    });
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0]?.message.role).toBe("assistant");
    expect(res.choices[0]?.message.content).toBe("Paris is the capital of France.");
    expect(res.choices[0]?.finish_reason).toBe("stop");
    expect(res.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 8, total_tokens: 22 });
    expect(pc.recordedModel(fake)).toBe(pc.upstreamModel);
    expect(fake.lastChat.raw).toContain("Capital of France?");
    expect(fake.lastChat.raw).toContain("Answer briefly.");
  });

  it("streams content deltas, then one usage chunk when asked", async () => {
    fake.script({ reply: { text: "one two three four", usage: { prompt: 5, completion: 4 } } });
    const stream = await client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "count" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const finishes: string[] = [];
    const usages: unknown[] = [];
    let first = true;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      if (first && chunk.choices.length > 0) {
        expect(chunk.choices[0]?.delta.role).toBe("assistant");
        first = false;
      }
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(text).toBe("one two three four");
    expect(finishes).toEqual(["stop"]);
    expect(usages).toEqual([expect.objectContaining({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 })]);
  });

  it("hides the usage chunk from a client that did not ask for it", async () => {
    fake.script({ reply: { text: "no usage please" } });
    const stream = await client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "x" }], stream: true });
    let text = "";
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      expect(chunk.choices.length).toBeGreaterThan(0);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("no usage please");
  });

  it("returns tool calls with JSON-string arguments and finish_reason tool_calls", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_weather", arguments: { city: "Lima" } }], finish: "tool_calls" } });
    const res = await client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Weather in Oslo and Lima?" }],
      tools: [weather],
    });
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const calls = choice?.message.tool_calls ?? [];
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.type).toBe("function");
      expect(typeof call.id).toBe("string");
      expect(call.id.length).toBeGreaterThan(0);
    }
    const fns = calls.map((c) => (c.type === "function" ? c.function : undefined));
    expect(fns.map((f) => f?.name)).toEqual(["get_weather", "get_weather"]);
    expect(fns.map((f) => JSON.parse(f?.arguments ?? "null") as unknown)).toEqual([{ city: "Oslo" }, { city: "Lima" }]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(fake.lastChat.raw).toContain("get_weather");
  });

  it("streams tool calls as index/id/name first, then argument fragments", async () => {
    fake.script({ reply: { text: "", toolCalls: [{ name: "get_weather", arguments: { city: "Reykjavík" } }], finish: "tool_calls" } });
    const stream = await client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Weather?" }],
      tools: [weather],
      stream: true,
    });
    const calls = new Map<number, { id: string | undefined; name: string | undefined; args: string }>();
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      for (const delta of choice.delta.tool_calls ?? []) {
        const known = calls.get(delta.index);
        if (!known) {
          expect(delta.id).toBeTruthy();
          expect(delta.function?.name).toBe("get_weather");
          calls.set(delta.index, { id: delta.id, name: delta.function?.name, args: delta.function?.arguments ?? "" });
        } else {
          known.args += delta.function?.arguments ?? "";
        }
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect([...calls.values()].map((c) => JSON.parse(c.args) as unknown)).toEqual([{ city: "Reykjavík" }]);
  });

  it("carries a tool result back to the upstream and returns the final answer", async () => {
    fake.script({ reply: { toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }], text: "", finish: "tool_calls" } });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo?" }];
    const first = await client.chat.completions.create({ model: "test-model", messages, tools: [weather] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call).toBeDefined();
    if (!call) return;
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "Sunny, 21 degrees" });
    fake.script({ reply: { text: "It is sunny and 21 degrees in Oslo." } });
    const second = await client.chat.completions.create({ model: "test-model", messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toBe("It is sunny and 21 degrees in Oslo.");
    expect(fake.lastChat.raw).toContain("Sunny, 21 degrees");
    expect(fake.lastChat.raw).toContain("get_weather");
  });

  it("forwards the request id upstream and echoes it", async () => {
    const { response } = await client.chat.completions
      .create({ model: "test-model", messages: [{ role: "user", content: "id?" }] }, { headers: { "x-request-id": "trace-abc-123" } })
      .withResponse();
    expect(response.headers.get("x-request-id")).toBe("trace-abc-123");
    expect(fake.lastChat.headers["x-request-id"]).toBe("trace-abc-123");
  });

  it("passes an upstream 400 through with its status, and maps a 500 to 502", async () => {
    fake.script({ status: 400, message: "bad thing in request" });
    const bad = await apiError(client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "x" }] }));
    expect(bad).toBeInstanceOf(APIError);
    expect(bad.status).toBe(400);
    expect(bad.message).toContain("bad thing in request");

    fake.script({ status: 500, message: "upstream exploded" });
    const failed = await apiError(client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "x" }] }));
    expect(failed.status).toBe(502);
    expect(failed.message).toContain("upstream exploded");
  });

  it("ends a stream that breaks mid-way with an error, not a silent truncation", async () => {
    // Depending on the protocol the break lands before or after the first content: before, the
    // gateway answers with an error status (and could still fall back); after, the stream ends
    // with an error event. Either way the client must see an error.
    fake.script({ reply: { text: "a b c d e f g h" }, errorAfterFrames: 3 });
    const read = (async () => {
      const stream = await client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "x" }], stream: true });
      await drain(stream);
    })();
    await expect(read).rejects.toThrow();
  });
});
