// The shared pipeline behind the Responses door: content detectors read instructions, input and
// stored history (on both lanes), per-key limits, fallback before the first event, metrics with
// api="responses", and a client that goes away aborts the upstream call.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { apiError } from "../harness/client-calls.ts";
import { eventually, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkStream, parseEvents } from "../harness/responses-spec.ts";

describe("Responses door on the shared pipeline", () => {
  let cloud: FakeUpstream;
  let local: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [cloud, local, native] = await Promise.all([startOpenAIFake(), startOpenAIFake(), startOpenAIResponsesFake()]);
    gw = await startTestGateway({
      providers: {
        cloud: { type: "openai", base_url: `${cloud.origin}/v1` },
        local: { type: "openai", base_url: `${local.origin}/v1` },
        oa: { type: "openai", base_url: `${native.origin}/v1`, responses: true },
      },
      models: {
        chain: { strategy: "fallback", targets: [{ provider: "cloud", model: "gpt-cloud" }, { provider: "local", model: "llama-local" }] },
        gpt: { targets: [{ provider: "oa", model: "gpt-5.1" }] },
        cached: { targets: [{ provider: "cloud", model: "gpt-cloud" }], cache: true },
      },
      routing: {
        rules: [{ name: "secrets-stay-local", when: { sensitivity: "confidential" }, allow_providers: ["local"] }],
        detectors: [{ name: "codename", pattern: "project\\s+falcon", flags: "i", sensitivity: "confidential" }],
      },
      keys: [
        { name: "open", key: "sk-open" },
        { name: "tight", key: "sk-tight", rpm: 1 },
      ],
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, cloud, local, native));
  beforeEach(() => {
    cloud.reset();
    local.reset();
    native.reset();
  });

  const client = (key = "sk-open") => gw.client(key);

  it("routes by what the instructions say: a detector match keeps the request on the allowed provider", async () => {
    local.script({ reply: { text: "kept local" } });
    const res = await client().responses.create({ model: "chain", instructions: "Context: Project Falcon launches soon.", input: "Summarise." });
    expect(res.output_text).toBe("kept local");
    expect(cloud.requests).toHaveLength(0);
    expect(local.lastChat.raw).toContain("Project Falcon");
  });

  it("reads the stored history a follow-up continues: a secret said earlier keeps later turns local", async () => {
    local.script({ reply: { text: "noted" } }, { reply: { text: "still local" } });
    const first = await client().responses.create({ model: "chain", input: "Remember: project falcon is the codename." });
    const second = await client().responses.create({ model: "chain", input: "What was it?", previous_response_id: first.id });
    expect(second.output_text).toBe("still local");
    expect(cloud.requests).toHaveLength(0);
  });

  it("refuses, naming the rule, when policy leaves no target (native lane: the detectors read the wire body)", async () => {
    const error = await apiError(client().responses.create({ model: "gpt", input: [{ role: "user", content: [{ type: "input_text", text: "About PROJECT  FALCON" }] }] }));
    expect(error.status).toBe(403);
    expect(error.message).toContain("secrets-stay-local");
    expect(native.requests).toHaveLength(0);
  });

  it("applies the key's limits with OpenAI's 429", async () => {
    cloud.always({ reply: { text: "ok" } });
    await client("sk-tight").responses.create({ model: "chain", input: "one" });
    const error = await apiError(client("sk-tight").responses.create({ model: "chain", input: "two" }));
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBeTruthy();
  });

  it("falls back before the first event, and says so in the headers", async () => {
    cloud.script({ status: 503 });
    local.script({ reply: { text: "from the fallback" } });
    const res = await fetch(`${gw.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-open" },
      body: JSON.stringify({ model: "chain", input: "hi", stream: true }),
    });
    expect(res.headers.get("x-llm-provider")).toBe("local");
    expect(res.headers.get("x-llm-fallbacks")).toBe("1");
    const { events } = parseEvents(await res.text());
    expect(checkStream(events)).toEqual([]);
    expect(JSON.stringify(events.at(-1))).toContain("from the fallback");
  });

  it("counts requests and tokens under api=responses, and logs the request", async () => {
    cloud.script({ reply: { text: "metered", usage: { prompt: 13, completion: 4 } } });
    await client().responses.create({ model: "chain", input: "count me" });
    await eventually(() => expect(requestLines(gw).at(-1)).toMatchObject({ promptTokens: 13, completionTokens: 4, provider: "cloud" }));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/llm_gateway_requests_total\{[^}]*api="responses"/);
  });

  it("serves a repeat to a cache-enabled model on the translated lane from the cache, under a new response id", async () => {
    cloud.script({ reply: { text: "first" } }, { reply: { text: "second" } });
    const a = await client().responses.create({ model: "cached", input: "same question" }).withResponse();
    const b = await client().responses.create({ model: "cached", input: "same question" }).withResponse();
    expect([a.data.output_text, b.data.output_text]).toEqual(["first", "first"]);
    expect([a.response.headers.get("x-llm-cache"), b.response.headers.get("x-llm-cache")]).toEqual(["miss", "hit"]);
    expect(b.data.id).not.toBe(a.data.id);
    expect(cloud.chatRequests).toHaveLength(1);
  });

  it("aborts the upstream call when the client goes away mid-stream", async () => {
    cloud.script({ reply: { text: "a b c d e f g h i j k l m n o p" }, chunkIntervalMs: 50 });
    const controller = new AbortController();
    const stream = await client().responses.create({ model: "chain", input: "long", stream: true }, { signal: controller.signal });
    let deltas = 0;
    try {
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") deltas += 1;
        if (deltas === 2) controller.abort();
      }
    } catch {
      // the SDK throws on abort: the client is gone either way
    }
    expect(deltas).toBe(2);
    await eventually(() => expect(cloud.lastChat.aborted).toBe(true));
  });
});
