// Fuzzing the chat front door: near-valid requests with wrong types and values in any field,
// deep nesting and arbitrary unicode, and raw bytes (random, truncated JSON, odd content types),
// against OpenAI, Anthropic, Gemini and Ollama targets. The fakes answer every call with a 200,
// so any 5xx is the gateway's own. Whatever the input: no 5xx, an error is always the OpenAI
// envelope, the process keeps serving, and no breaker opens.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { providerCases } from "./provider-cases.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

const PROVIDERS = ["openai", "anthropic", "gemini", "ollama"] as const;
const cases = providerCases.filter((c) => (PROVIDERS as readonly string[]).includes(c.name));

/** A request every target serves, touching most of the schema. */
const baseRequest = (model: string): Record<string, unknown> => ({
  model,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: "found" },
  ],
  tools: [{ type: "function", function: { name: "lookup", description: "Look up", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
  tool_choice: "auto",
  temperature: 0.5,
  max_tokens: 32,
  stop: ["\n\n"],
  response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" } } },
  metadata: { team: "fuzz" },
  stream_options: { include_usage: true },
});

/** Where a mutation may land: every known top-level field, an unknown one, and nested fields. */
const PATHS = [
  ...["model", "messages", "temperature", "top_p", "n", "stream", "stream_options", "stop", "max_tokens", "max_completion_tokens"],
  ...["presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice"],
  ...["parallel_tool_calls", "response_format", "functions", "function_call", "modalities", "audio", "prediction", "metadata", "store"],
  ...["reasoning_effort", "verbosity", "service_tier", "web_search_options", "moderation", "safety_identifier", "prompt_cache_key"],
  ...["prompt_cache_retention", "prompt_cache_options", "x_vendor_extension"],
  ...["messages.0", "messages.0.role", "messages.0.content", "messages.0.name", "messages.1.content", "messages.1.content.0"],
  ...["messages.1.content.0.type", "messages.1.content.0.text", "messages.1.content.1.image_url", "messages.1.content.1.image_url.url"],
  ...["messages.1.content.1.type", "messages.1.content.1.image_url.detail", "messages.2.content", "messages.2.tool_calls"],
  ...["messages.2.tool_calls.0", "messages.2.tool_calls.0.id", "messages.2.tool_calls.0.type", "messages.2.tool_calls.0.function"],
  ...["messages.2.tool_calls.0.function.arguments", "messages.2.tool_calls.0.function.name", "messages.2.refusal", "messages.2.function_call"],
  ...["messages.3.tool_call_id", "messages.3.content", "messages.3.role", "tools.0", "tools.0.type", "tools.0.function"],
  ...["tools.0.function.name", "tools.0.function.parameters", "tools.0.function.parameters.properties", "tools.0.function.strict"],
  ...["tool_choice.type", "tool_choice.function", "tool_choice.allowed_tools", "tool_choice.allowed_tools.tools", "response_format.type"],
  ...["response_format.json_schema", "response_format.json_schema.schema", "response_format.json_schema.name", "stream_options.include_usage"],
  ...["metadata.sensitivity", "metadata.complexity", "metadata.team", "audio.voice", "prediction.content", "function_call.name"],
];

// Deep nesting is spliced into the JSON text: building it as an object would overflow the
// stack of JSON.stringify in the test itself.
const DEEP = "\u0000deep\u0000";
const deepJson = (depth: number, arrays: boolean) => (arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`);

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e300, -0, "", " ", "none", "auto", "required", "function", "allowed_tools", "text", "json_schema", "data:image/png,%zz", "data:image/png;base64,@@", "data:,", "\u202e", "\ud800"),
  fc.constantFrom([], {}, [null], [{}], [""], { type: "function" }, { type: "allowed_tools" }, { type: "file" }, { type: "input_audio" }, { name: 1 }),
  fc.constant(DEEP),
);

interface Mutation {
  path: string;
  value: unknown;
  remove: boolean;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({ path: fc.constantFrom(...PATHS), value: oddValue, remove: fc.integer({ min: 0, max: 6 }).map((n) => n === 0) });

function mutate(target: Record<string, unknown>, { path, value, remove }: Mutation): void {
  const keys = path.split(".");
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record[key] !== "object" || record[key] === null) record[key] = {};
    node = record[key];
  }
  if (typeof node !== "object" || node === null) return;
  const last = keys.at(-1) ?? "";
  // Setting undefined drops the field from the JSON, as deleting it would. The odd values are
  // shared constants: a copy, so a later mutation writing beneath this path cannot change the
  // constant itself (or make it contain itself).
  (node as Record<string, unknown>)[last] = remove ? undefined : structuredClone(value);
}

/** Requests sent at once per property run: the gateway is meant to serve many clients. */
const BATCH = 8;

const schemaCase = fc.record({
  model: fc.constantFrom(...PROVIDERS),
  stream: fc.boolean(),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  depth: fc.integer({ min: 50, max: 6_000 }),
  arrays: fc.boolean(),
});

const rawCase = fc.record({
  model: fc.constantFrom(...PROVIDERS),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: "bytes" as const, bytes })),
    fc.nat().map((cut) => ({ kind: "truncated" as const, cut })),
    fc.string({ unit: "binary", maxLength: 200 }).map((text) => ({ kind: "text" as const, text })),
  ),
  contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", ""),
});

describe("fuzzing POST /v1/chat/completions", () => {
  const fakes: FakeUpstream[] = [];
  let gw: TestGateway;

  beforeAll(async () => {
    const providers: Record<string, unknown> = {};
    const models: Record<string, unknown> = {};
    for (const c of cases) {
      const fake = await c.startFake();
      fakes.push(fake);
      providers[c.name] = c.provider(fake);
      models[c.name] = { targets: [{ provider: c.name, model: c.upstreamModel }] };
    }
    gw = await startTestGateway({
      providers,
      models,
      // One counted failure in two calls would open a breaker.
      resilience: { retries: 0, breaker: { volume_threshold: 2, error_threshold_percentage: 10 } },
    });
  });
  afterAll(() => stopAll(gw, ...fakes));

  async function send(body: Uint8Array | string, contentType: string): Promise<void> {
    const headers: Record<string, string> = { authorization: "Bearer sk-fuzz" };
    if (contentType !== "") headers["content-type"] = contentType;
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers, body });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(500);
    if (res.status < 400) return;
    const envelope = JSON.parse(text) as { error?: Record<string, unknown> };
    expect(envelope.error, text).toBeDefined();
    const { message, type, param, code } = envelope.error ?? {};
    expect(typeof message, text).toBe("string");
    expect(typeof type, text).toBe("string");
    expect(param === null || typeof param === "string", text).toBe(true);
    expect(code === null || typeof code === "string", text).toBe(true);
  }

  const noBreakerOpened = () => {
    for (const provider of PROVIDERS) expect(gw.running.state.current.breakers.health(provider)?.state, provider).toBe("closed");
  };

  it("answers near-valid requests with a 2xx or a 4xx envelope, and opens no breaker", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(schemaCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await Promise.all(
          batch.map((c) => {
            const req = { ...baseRequest(c.model), stream: c.stream };
            for (const m of c.mutations) mutate(req, m);
            return send(JSON.stringify(req).replaceAll(JSON.stringify(DEEP), deepJson(c.depth, c.arrays)), "application/json");
          }),
        );
      }),
      { numRuns: 1_600 / BATCH },
    );
    noBreakerOpened();
  }, 60_000);

  it("answers arbitrary bytes, truncated JSON and odd content types with a 4xx envelope", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rawCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await Promise.all(
          batch.map((c) => {
            const valid = JSON.stringify(baseRequest(c.model));
            const body = c.body.kind === "bytes" ? c.body.bytes : c.body.kind === "text" ? c.body.text : valid.slice(0, c.body.cut % valid.length);
            return send(body, c.contentType);
          }),
        );
      }),
      { numRuns: 800 / BATCH },
    );
    noBreakerOpened();
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
  }, 60_000);
});
