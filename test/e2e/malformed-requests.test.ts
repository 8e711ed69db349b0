// Client mistakes are the client's: each malformed request is a 400 naming the field, reaches no
// upstream, and leaves every breaker closed, whichever provider the model is served by.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { providerCases } from "./provider-cases.ts";
import { resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { apiError } from "../harness/client-calls.ts";

const PROVIDERS = ["openai", "anthropic", "gemini", "ollama"] as const;
const cases = providerCases.filter((c) => (PROVIDERS as readonly string[]).includes(c.name));
const tool = { type: "function", function: { name: "lookup", parameters: { type: "object" } } };

/** Request fields (merged over a valid request) and the param the 400 must name. */
const malformed: { name: string; extra: Record<string, unknown>; param: string }[] = [
  { name: "modalities as a number", extra: { modalities: 1 }, param: "modalities" },
  { name: "functions as a number", extra: { functions: 0 }, param: "functions" },
  { name: "function_call as a number", extra: { function_call: 5 }, param: "function_call" },
  { name: "function_call as another string", extra: { function_call: "always" }, param: "function_call" },
  { name: "tool_choice null with tools", extra: { tools: [tool], tool_choice: null }, param: "tool_choice" },
  { name: "allowed_tools without its list", extra: { tools: [tool], tool_choice: { type: "allowed_tools" } }, param: "tool_choice.allowed_tools" },
  { name: "a file part without file", extra: { messages: [{ role: "user", content: [{ type: "file" }] }] }, param: "messages[0].content[0].file" },
  {
    name: "input_audio without data",
    extra: { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { format: "wav" } }] }] },
    param: "messages[0].content[0].input_audio.data",
  },
  {
    name: "a malformed percent-encoded data URL",
    extra: { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,%zz" } }] }] },
    param: "messages[0].content[0].image_url.url",
  },
  { name: "stream_options.include_usage as a string", extra: { stream_options: { include_usage: "yes" } }, param: "stream_options.include_usage" },
  { name: "a non-string metadata value", extra: { metadata: { tier: 3 } }, param: "metadata.tier" },
  { name: "reasoning_effort as a number", extra: { reasoning_effort: 2 }, param: "reasoning_effort" },
  { name: "logit_bias with a string weight", extra: { logit_bias: { "50256": "high" } }, param: "logit_bias.50256" },
  { name: "audio without a voice", extra: { audio: { format: "wav" } }, param: "audio.voice" },
  { name: "prediction content as a number", extra: { prediction: { type: "content", content: 7 } }, param: "prediction.content" },
  { name: "json_schema.schema as a string", extra: { response_format: { type: "json_schema", json_schema: { name: "x", schema: "{}" } } }, param: "response_format.json_schema.schema" },
  { name: "an image part in a system message", extra: { messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: "data:," } }] }, { role: "user", content: "hi" }] }, param: "messages[0].content[0].type" },
  { name: "a tool call without arguments", extra: { messages: [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f" } }] }] }, param: "messages[1].tool_calls[0].function.arguments" },
];

/** `depth` levels of objects as JSON text, built without recursion. */
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;

describe("malformed chat requests", () => {
  const fakes = new Map<string, FakeUpstream>();
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const providers: Record<string, unknown> = {};
    const models: Record<string, unknown> = {};
    for (const c of cases) {
      const fake = await c.startFake();
      fakes.set(c.name, fake);
      providers[c.name] = c.provider(fake);
      models[c.name] = { targets: [{ provider: c.name, model: c.upstreamModel }] };
    }
    models["50%off"] = { targets: [{ model: "openai" }] };
    gw = await startTestGateway({
      providers,
      models,
      // One counted failure in two calls would open a breaker.
      resilience: { retries: 1, backoff_ms: 1, breaker: { volume_threshold: 2, error_threshold_percentage: 10 } },
    });
    client = gw.client();
  });
  afterAll(() => stopAll(gw, ...fakes.values()));
  beforeEach(() => resetAll(...fakes.values()));

  const breakerClosed = (provider: string) => gw.running.state.current.breakers.health(provider)?.state ?? "closed";
  const chatRequests = () => [...fakes.values()].reduce((n, fake) => n + fake.chatRequests.length, 0);

  for (const provider of PROVIDERS) {
    for (const c of malformed) {
      it(`${provider}: ${c.name} is a 400 naming ${c.param}, sent nowhere`, async () => {
        const body = { model: provider, messages: [{ role: "user", content: "hi" }], ...c.extra };
        const error = await apiError(client.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming));
        expect(error.status).toBe(400);
        expect(error.type).toBe("invalid_request_error");
        expect(error.param).toBe(c.param);
        expect(error.message).not.toMatch(/undefined|null \(reading|is not a function|is not iterable/);
        expect(chatRequests()).toBe(0);
        expect(breakerClosed(provider)).toBe("closed");
      });
    }

    it(`${provider}: a run of malformed requests leaves the breaker closed for the next client`, async () => {
      for (let i = 0; i < 6; i++) {
        const body = { model: provider, messages: [{ role: "user", content: "hi" }], functions: 0 };
        await apiError(client.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming));
      }
      const ok = await client.chat.completions.create({ model: provider, messages: [{ role: "user", content: "hi" }] });
      expect(ok.choices[0]?.message.content).toBe("Hello from the fake upstream.");
      expect(chatRequests()).toBe(1);
      expect(breakerClosed(provider)).toBe("closed");
    });
  }

  const post = (body: string) =>
    fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-test" }, body });

  describe.each([
    ["metadata", (deep: string) => `"metadata":{"x":${deep}}`],
    ["an unknown field", (deep: string) => `"vendor_extension":${deep}`],
    ["tool parameters", (deep: string) => `"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]`],
    ["a json_schema", (deep: string) => `"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":${deep}}}`],
  ])("nesting 5,000 levels deep in %s", (_where, field) => {
    it.each(PROVIDERS)("is a 400 nesting_too_deep for %s, sent nowhere", async (provider) => {
      const res = await post(`{"model":"${provider}","messages":[{"role":"user","content":"hi"}],${field(nested(5000))}}`);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; param: string } };
      expect(error.code).toBe("nesting_too_deep");
      expect(error.param).toBe(field("").slice(1, field("").indexOf('"', 1)));
      expect(chatRequests()).toBe(0);
      expect(breakerClosed(provider)).toBe("closed");
    });
  });

  it("lets a body nested exactly 64 levels deep through to the upstream", async () => {
    // The body is level 1 and `vendor_extension` adds 63 more.
    const res = await post(`{"model":"openai","messages":[{"role":"user","content":"hi"}],"vendor_extension":${nested(63)}}`);
    expect(res.status).toBe(200);
    expect(fakes.get("openai")?.lastChat.raw).toContain(nested(63));
    const deeper = await post(`{"model":"openai","messages":[{"role":"user","content":"hi"}],"vendor_extension":${nested(64)}}`);
    expect(deeper.status).toBe(400);
  });

  it("answers GET /v1/models/%ff with a 404 envelope, not a 500", async () => {
    const res = await fetch(`${gw.baseURL}/models/%ff`, { headers: { authorization: "Bearer sk-test" } });
    expect(res.status).toBe(404);
    const { error } = (await res.json()) as { error: { code: string } };
    expect(error.code).toBe("model_not_found");
  });

  it("decodes a model id in the path once", async () => {
    const res = await fetch(`${gw.baseURL}/models/${encodeURIComponent("50%off")}`, { headers: { authorization: "Bearer sk-test" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe("50%off");
  });
});
