// Routing, retries, fallback and breakers end to end: the real openai SDK against the gateway,
// the gateway against fakes that fail on cue; assertions on what each fake received.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { apiError, streamText } from "../harness/client-calls.ts";

const user = (content = "hi") => [{ role: "user" as const, content }];

describe("fallback, retries and timeouts", () => {
  let a: FakeUpstream;
  let b: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [a, b] = await Promise.all([startOpenAIFake(), startOpenAIFake()]);
    gw = await startTestGateway({
      providers: {
        a: { type: "openai", base_url: `${a.origin}/v1`, first_byte_timeout_ms: 300 },
        "a-patient": { type: "openai", base_url: `${a.origin}/v1` },
        b: { type: "openai", base_url: `${b.origin}/v1` },
      },
      models: {
        chain: { targets: [{ provider: "a", model: "model-a" }, { provider: "b", model: "model-b" }] },
        solo: { targets: [{ provider: "a", model: "model-a" }] },
        // Its own provider for `a`, without the short first-byte timeout: under load a slow answer
        // would be retried and counted twice.
        lb: { strategy: "loadbalance", targets: [{ provider: "a-patient", model: "model-a", weight: 3 }, { provider: "b", model: "model-b", weight: 1 }] },
      },
      routing: { rules: [{ name: "everything", when: {} }] },
      resilience: { retries: 1, backoff_ms: 1, max_backoff_ms: 5, retry_after_cap_ms: 1000, breaker: { volume_threshold: 1000 } },
    });
  });
  afterAll(() => stopAll(gw, a, b));
  beforeEach(() => resetAll(a, b));

  it("retries a 500 on the same target, then falls back, and says so in the headers", async () => {
    a.always({ status: 500, message: "a is down" });
    b.script({ reply: { text: "from b" } });
    const { data, response } = await gw.client().chat.completions.create({ model: "chain", messages: user() }).withResponse();
    expect(data.choices[0]?.message.content).toBe("from b");
    expect(a.chatRequests).toHaveLength(2);
    expect(b.chatRequests).toHaveLength(1);
    expect((b.lastChat.body as { model: string }).model).toBe("model-b");
    expect(response.headers.get("x-llm-provider")).toBe("b");
    expect(response.headers.get("x-llm-model")).toBe("model-b");
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");
    expect(response.headers.get("x-llm-route")).toBe("everything");
  });

  it("honours a short Retry-After on a 429 and stays on the same target", async () => {
    a.script({ status: 429, headers: { "retry-after-ms": "80" } }, { reply: { text: "from a, later" } });
    const started = Date.now();
    const res = await gw.client().chat.completions.create({ model: "chain", messages: user() });
    expect(res.choices[0]?.message.content).toBe("from a, later");
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(a.chatRequests).toHaveLength(2);
    expect(b.chatRequests).toHaveLength(0);
  });

  it("moves on at once when Retry-After is longer than the cap", async () => {
    a.script({ status: 429, headers: { "retry-after": "30" } });
    b.script({ reply: { text: "from b" } });
    const res = await gw.client().chat.completions.create({ model: "chain", messages: user() });
    expect(res.choices[0]?.message.content).toBe("from b");
    expect(a.chatRequests).toHaveLength(1);
  });

  it("returns 429 with Retry-After when every target is rate limited", async () => {
    a.always({ status: 429, headers: { "retry-after": "30" } });
    b.always({ status: 429, headers: { "retry-after": "20" } });
    const err = await apiError(gw.client().chat.completions.create({ model: "chain", messages: user() }));
    expect(err.status).toBe(429);
    expect(err.headers?.get("retry-after")).toBe("20");
  });

  it("gives up on a hanging target after its first-byte timeout and falls back", async () => {
    a.always({ hang: true });
    b.script({ reply: { text: "from b" } });
    const res = await gw.client().chat.completions.create({ model: "chain", messages: user() });
    expect(res.choices[0]?.message.content).toBe("from b");
    await eventually(() => expect(a.chatRequests.every((r) => r.aborted)).toBe(true));
  });

  it("answers 504 when the only target keeps timing out", async () => {
    a.always({ delayMs: 2000 });
    const err = await apiError(gw.client().chat.completions.create({ model: "solo", messages: user() }));
    expect(err.status).toBe(504);
    expect(a.chatRequests).toHaveLength(2);
  });

  it("does not fall back on a 400: the request itself is wrong", async () => {
    a.script({ status: 400, message: "messages too long" });
    const err = await apiError(gw.client().chat.completions.create({ model: "chain", messages: user() }));
    expect(err.status).toBe(400);
    expect(err.message).toContain("messages too long");
    expect(a.chatRequests).toHaveLength(1);
    expect(b.chatRequests).toHaveLength(0);
  });

  it("falls back on a provider-side 401 (the gateway's upstream key is wrong)", async () => {
    a.script({ status: 401, message: "bad upstream key" });
    b.script({ reply: { text: "from b" } });
    const res = await gw.client().chat.completions.create({ model: "chain", messages: user() });
    expect(res.choices[0]?.message.content).toBe("from b");
    expect(a.chatRequests).toHaveLength(1);
  });

  it("falls back for a stream that fails before its first byte", async () => {
    a.always({ reply: { text: "never seen" }, cutAfterFrames: 0 });
    b.script({ reply: { text: "streamed from b" } });
    const stream = await gw.client().chat.completions.create({ model: "chain", messages: user(), stream: true });
    expect(await streamText(stream)).toBe("streamed from b");
    expect(a.chatRequests.length).toBeGreaterThanOrEqual(1);
  });

  it("ends a stream cut after its first bytes with an error, and logs it", async () => {
    a.script({ reply: { text: "one two three four five six" }, cutAfterFrames: 3 });
    const stream = await gw.client().chat.completions.create({ model: "chain", messages: user(), stream: true });
    const got = { text: "" };
    await expect(streamText(stream, got)).rejects.toThrow();
    expect(got.text).toBe("one two ");
    expect(b.chatRequests).toHaveLength(0);
    await eventually(() => expect(requestLines(gw).at(-1)?.["streamError"]).toBeTruthy());
  });

  it("spreads a loadbalance model by weight, within tolerance", async () => {
    const total = 400;
    const client = gw.client();
    for (let i = 0; i < total; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create({ model: "lb", messages: user() })));
    }
    const share = a.chatRequests.length / total;
    expect(a.chatRequests.length + b.chatRequests.length).toBe(total);
    expect(share).toBeGreaterThan(0.67);
    expect(share).toBeLessThan(0.83);
  });
});

describe("circuit breaker", () => {
  let a: FakeUpstream;
  let b: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [a, b] = await Promise.all([startOpenAIFake(), startOpenAIFake()]);
    gw = await startTestGateway({
      providers: openaiProviders({ a, b }),
      models: { chain: { targets: [{ provider: "a", model: "m" }, { provider: "b", model: "m" }] } },
      resilience: { retries: 0, breaker: { volume_threshold: 4, error_threshold_percentage: 50, reset_timeout_ms: 400 } },
    });
  });
  afterAll(() => stopAll(gw, a, b));

  it("opens after repeated upstream faults, skips the provider, and recovers through a half-open trial", async () => {
    const client = gw.client();
    a.always({ status: 503 });
    for (let i = 0; i < 8; i++) await client.chat.completions.create({ model: "chain", messages: user() });
    const sentWhileFailing = a.chatRequests.length;
    expect(sentWhileFailing).toBeLessThan(8);
    expect(b.chatRequests).toHaveLength(8);

    const health = (await (await fetch(`${gw.url}/health/providers`)).json()) as { providers: { id: string; breaker: string; last_error: { status: number } | null }[] };
    const aHealth = health.providers.find((p) => p.id === "a");
    expect(aHealth?.breaker).toBe("open");
    expect(aHealth?.last_error?.status).toBe(503);

    // Open: the failing provider receives nothing; the header counts the skip as a fallback.
    const { response } = await client.chat.completions.create({ model: "chain", messages: user() }).withResponse();
    expect(a.chatRequests).toHaveLength(sentWhileFailing);
    expect(response.headers.get("x-llm-provider")).toBe("b");
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");

    // Recovered upstream: after the reset timeout one trial goes through and closes the breaker.
    a.always({ reply: { text: "a is back" } });
    await new Promise((r) => setTimeout(r, 450));
    const back = await client.chat.completions.create({ model: "chain", messages: user() });
    expect(back.choices[0]?.message.content).toBe("a is back");
    const again = await client.chat.completions.create({ model: "chain", messages: user() });
    expect(again.choices[0]?.message.content).toBe("a is back");
    const after = (await (await fetch(`${gw.url}/health/providers`)).json()) as { providers: { id: string; breaker: string }[] };
    expect(after.providers.find((p) => p.id === "a")?.breaker).toBe("closed");
  });

  it("does not count a 400 against the provider", async () => {
    a.reset().always({ status: 400 });
    for (let i = 0; i < 8; i++) await gw.client().chat.completions.create({ model: "chain", messages: user() }).catch(() => undefined);
    expect(a.chatRequests).toHaveLength(8);
    const health = (await (await fetch(`${gw.url}/health/providers`)).json()) as { providers: { id: string; breaker: string }[] };
    expect(health.providers.find((p) => p.id === "a")?.breaker).toBe("closed");
  });
});

describe("routing rules and policies", () => {
  let local: FakeUpstream;
  let cloud: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [local, cloud] = await Promise.all([startOpenAIFake(), startOpenAIFake()]);
    gw = await startTestGateway({
      providers: openaiProviders({ local, cloud }),
      models: {
        llama: { targets: [{ provider: "local", model: "llama3" }] },
        gpt: { targets: [{ provider: "cloud", model: "gpt-4o" }] },
        smart: { targets: [{ model: "gpt" }, { model: "llama" }] },
      },
      routing: {
        default: "smart",
        detectors: [{ name: "card", pattern: "\\b(?:\\d[ -]?){13,16}\\b" }],
        rules: [
          { name: "confidential-stays-local", when: { sensitivity: "confidential" }, use: "llama", allow_providers: ["local"] },
          { name: "simple-is-cheap", when: { complexity: "simple" }, use: "gpt" },
        ],
      },
      keys: [
        { name: "legal", key: "sk-legal", sensitivity: "confidential" },
        { name: "dev", key: "sk-dev" },
      ],
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, local, cloud));
  beforeEach(() => resetAll(local, cloud));

  it("sends auto to the first matching rule's model and names the rule", async () => {
    const { response } = await gw.client("sk-dev").chat.completions.create({ model: "auto", messages: user() }).withResponse();
    expect(response.headers.get("x-llm-route")).toBe("simple-is-cheap");
    expect(cloud.chatRequests).toHaveLength(1);
  });

  it("keeps a confidential key's request local, even for a cloud-first chain that fails over", async () => {
    local.script({ reply: { text: "local answer" } });
    const { data, response } = await gw.client("sk-legal").chat.completions.create({ model: "smart", messages: user() }).withResponse();
    expect(data.choices[0]?.message.content).toBe("local answer");
    expect(response.headers.get("x-llm-route")).toBe("confidential-stays-local");
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it("escalates on the header and on content detectors", async () => {
    await gw.client("sk-dev").chat.completions.create({ model: "smart", messages: user() }, { headers: { "x-llm-sensitivity": "confidential" } });
    await gw.client("sk-dev").chat.completions.create({ model: "smart", messages: user("card 4111 1111 1111 1111") });
    expect(cloud.chatRequests).toHaveLength(0);
    expect(local.chatRequests).toHaveLength(2);
  });

  it("refuses with 403 naming the rule when the policy leaves no target, and never calls the cloud", async () => {
    local.always({ status: 500 });
    const forbidden = await apiError(gw.client("sk-legal").chat.completions.create({ model: "gpt", messages: user() }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.message).toContain("confidential-stays-local");
    expect(forbidden.headers?.get("x-llm-route")).toBe("confidential-stays-local");
    const failed = await apiError(gw.client("sk-legal").chat.completions.create({ model: "smart", messages: user() }));
    expect(failed.status).toBe(502);
    expect(cloud.chatRequests).toHaveLength(0);
  });

  it("answers 400 to an invalid sensitivity header", async () => {
    const err = await apiError(gw.client("sk-dev").chat.completions.create({ model: "smart", messages: user() }, { headers: { "x-llm-sensitivity": "top-secret" } }));
    expect(err.status).toBe(400);
    expect(cloud.chatRequests).toHaveLength(0);
  });
});
