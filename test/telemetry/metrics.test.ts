// Scripted traffic through fake upstreams, then a real scrape of /metrics: each counter and
// histogram must move by exactly the expected amount, with exactly the expected labels, and
// nothing else may move.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { expectMoved, moved, scrape, scrapeText, seriesName, type Samples } from "./scrape.ts";
import { abortAfter, apiError, drain } from "../harness/client-calls.ts";

const FAST_PRICE = { input_per_mtok: 0.15, output_per_mtok: 0.6 };
const CHAIN_PRICE = { input_per_mtok: 2.5, output_per_mtok: 10 };
const cost = (price: typeof FAST_PRICE, prompt: number, completion: number) =>
  (prompt * price.input_per_mtok + completion * price.output_per_mtok) / 1_000_000;

const m = (name: string) => `llm_gateway_${name}`;

/** A histogram moved by `n` observations: its count and its +Inf bucket. */
function observed(name: string, labels: Record<string, string>, n = 1): Record<string, number> {
  return { [seriesName(m(`${name}_count`), labels)]: n, [seriesName(m(`${name}_bucket`), { ...labels, le: "+Inf" })]: n };
}

interface Served {
  key: string;
  model: string;
  /** The matched routing rule (default: none). */
  route?: string;
  provider: string;
  upstreamModel: string;
  /** The public model's price; without one there is no cost series. */
  price?: typeof FAST_PRICE;
  stream: boolean;
  prompt?: number;
  completion?: number;
}

/** Everything one successfully served request moves. */
function servedRequest(s: Served): Record<string, number> {
  const prompt = s.prompt ?? 11;
  const completion = s.completion ?? 7;
  const tokenLabels = { key: s.key, model: s.model, provider: s.provider, upstream_model: s.upstreamModel };
  const target = { model: s.model, provider: s.provider, upstream_model: s.upstreamModel };
  return {
    [seriesName(m("requests_total"), { api: "chat", key: s.key, model: s.model, route: s.route ?? "none", provider: s.provider, status_class: "2xx", outcome: "success" })]: 1,
    [seriesName(m("tokens_total"), { ...tokenLabels, type: "prompt" })]: prompt,
    [seriesName(m("tokens_total"), { ...tokenLabels, type: "completion" })]: completion,
    ...(s.price ? { [seriesName(m("cost_usd_total"), { key: s.key, model: s.model })]: cost(s.price, prompt, completion) } : {}),
    ...observed("request_duration_seconds", { api: "chat", model: s.model, provider: s.provider, outcome: "success" }),
    ...observed("gateway_overhead_seconds", { api: "chat", model: s.model, provider: s.provider }),
    ...observed("upstream_duration_seconds", { provider: s.provider, upstream_model: s.upstreamModel }),
    ...(s.stream ? observed("time_to_first_token_seconds", target) : {}),
    ...(s.stream && completion > 1 ? observed("inter_token_latency_seconds", target) : {}),
  };
}

/** Everything one request that got no served response moves. */
function failedRequest(key: string, model: string, route: string, statusClass: string, outcome = "error", provider = "none"): Record<string, number> {
  return {
    [seriesName(m("requests_total"), { api: "chat", key, model, route, provider, status_class: statusClass, outcome })]: 1,
    ...observed("request_duration_seconds", { api: "chat", model, provider, outcome }),
    ...observed("gateway_overhead_seconds", { api: "chat", model, provider }),
  };
}

describe("metrics after scripted traffic", () => {
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let gw: TestGateway;
  let before: Samples;

  beforeAll(async () => {
    primary = await startOpenAIFake();
    backup = await startOpenAIFake();
    gw = await startTestGateway(
      {
        providers: {
          primary: { type: "openai", api_key: "sk-upstream-primary", base_url: `${primary.origin}/v1` },
          backup: { type: "openai", api_key: "sk-upstream-backup", base_url: `${backup.origin}/v1` },
        },
        models: {
          fast: { targets: [{ provider: "primary", model: "gpt-4o-mini" }], price: FAST_PRICE },
          chain: {
            strategy: "fallback",
            targets: [
              { provider: "primary", model: "gpt-4o" },
              { provider: "backup", model: "gpt-4o-mini-backup" },
            ],
            price: CHAIN_PRICE,
          },
        },
        keys: [{ name: "team-a", key: "sk-team-a-123456" }],
        // A rule without `use` names the route of the requests it matches, nothing else.
        routing: { rules: [{ name: "fast-lane", when: { model: "fast" } }] },
        resilience: { retries: 1, backoff_ms: 0, max_backoff_ms: 0 },
      },
    );
  });
  afterAll(() => stopAll(gw, primary, backup));
  beforeEach(async () => {
    primary.reset();
    backup.reset();
    before = await scrape(`${gw.url}/metrics`);
  });

  const client = () => gw.client("sk-team-a-123456");
  const ask = (model: string) => ({ model, messages: [{ role: "user" as const, content: "hello" }] });
  const movedSince = async () => moved(before, await scrape(`${gw.url}/metrics`));
  /** The access log line lands once the response is complete; wait for it before scraping. */
  const settled = (count: number) => eventually(() => expect(requestLines(gw).length).toBeGreaterThanOrEqual(count));

  it("counts a JSON completion: request, tokens, cost from the price, latencies", async () => {
    const lines = requestLines(gw).length;
    const res = await client().chat.completions.create(ask("fast"));
    expect(res.usage?.prompt_tokens).toBe(11);
    await settled(lines + 1);
    expectMoved(
      await movedSince(),
      servedRequest({ key: "team-a", model: "fast", route: "fast-lane", provider: "primary", upstreamModel: "gpt-4o-mini", price: FAST_PRICE, stream: false }),
    );
  });

  it("counts a stream whose client did not ask for usage (the gateway asks and hides it)", async () => {
    const lines = requestLines(gw).length;
    const stream = await client().chat.completions.create({ ...ask("fast"), stream: true });
    let usageChunks = 0;
    for await (const chunk of stream) if (chunk.usage) usageChunks += 1;
    expect(usageChunks).toBe(0);
    await settled(lines + 1);
    const after = await scrape(`${gw.url}/metrics`);
    expectMoved(
      moved(before, after),
      servedRequest({ key: "team-a", model: "fast", route: "fast-lane", provider: "primary", upstreamModel: "gpt-4o-mini", price: FAST_PRICE, stream: true }),
    );
    const ttftSum = seriesName(m("time_to_first_token_seconds_sum"), { model: "fast", provider: "primary", upstream_model: "gpt-4o-mini" });
    expect(after.get(ttftSum)).toBeGreaterThan(before.get(ttftSum) ?? 0);
  });

  it("counts a stream whose client asked for usage, with the counts the client saw", async () => {
    primary.script({ reply: { text: "one two three four five", usage: { prompt: 20, completion: 5 } } });
    const lines = requestLines(gw).length;
    const stream = await client().chat.completions.create({ ...ask("fast"), stream: true, stream_options: { include_usage: true } });
    let seen: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) seen = chunk.usage;
    expect(seen).toMatchObject({ prompt_tokens: 20, completion_tokens: 5 });
    await settled(lines + 1);
    expectMoved(
      await movedSince(),
      servedRequest({ key: "team-a", model: "fast", route: "fast-lane", provider: "primary", upstreamModel: "gpt-4o-mini", price: FAST_PRICE, stream: true, prompt: 20, completion: 5 }),
    );
  });

  it("counts a retry and a fallback by provider and reason when the first target returns 500", async () => {
    primary.script({ status: 500 }, { status: 500 });
    const lines = requestLines(gw).length;
    const { data, response } = await client().chat.completions.create(ask("chain")).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");
    expect(primary.chatRequests).toHaveLength(2);
    await settled(lines + 1);
    expectMoved(await movedSince(), {
      ...servedRequest({ key: "team-a", model: "chain", provider: "backup", upstreamModel: "gpt-4o-mini-backup", price: CHAIN_PRICE, stream: false }),
      [seriesName(m("retries_total"), { provider: "primary", reason: "http_500" })]: 1,
      [seriesName(m("fallbacks_total"), { provider: "primary", reason: "http_500" })]: 1,
    });
    expect(requestLines(gw).at(-1)).toMatchObject({ fallbacks: 1, provider: "backup", upstreamModel: "gpt-4o-mini-backup" });
  });

  it("counts an upstream 429 as a retry and a 4xx error, with no tokens or cost", async () => {
    primary.script({ status: 429 }, { status: 429 });
    const lines = requestLines(gw).length;
    const err = await apiError(client().chat.completions.create(ask("fast")));
    expect(err.status).toBe(429);
    await settled(lines + 1);
    expectMoved(await movedSince(), {
      ...failedRequest("team-a", "fast", "fast-lane", "4xx"),
      [seriesName(m("retries_total"), { provider: "primary", reason: "http_429" })]: 1,
    });
  });

  it("counts a request for an unknown model under model=\"unknown\", never under the name sent", async () => {
    const lines = requestLines(gw).length;
    const err = await apiError(client().chat.completions.create(ask("no-such-model-x1")));
    expect(err.status).toBe(404);
    await settled(lines + 1);
    expectMoved(await movedSince(), failedRequest("team-a", "unknown", "none", "4xx"));
    expect(await scrapeText(`${gw.url}/metrics`)).not.toContain("no-such-model-x1");
  });

  it("counts a refused key as unauthenticated", async () => {
    const lines = requestLines(gw).length;
    const err = await apiError(gw.client("sk-wrong").chat.completions.create(ask("fast")));
    expect(err.status).toBe(401);
    await settled(lines + 1);
    expectMoved(await movedSince(), failedRequest("unauthenticated", "unknown", "none", "4xx"));
  });

  it("counts a stream the upstream cuts after it started as a stream_error", async () => {
    primary.script({ reply: { text: "a b c d e f" }, cutAfterFrames: 3, chunkIntervalMs: 30 });
    const lines = requestLines(gw).length;
    const stream = await client().chat.completions.create({ ...ask("fast"), stream: true });
    await drain(stream).catch(() => undefined); // the error event ends it
    await settled(lines + 1);
    const target = { model: "fast", provider: "primary", upstream_model: "gpt-4o-mini" };
    expectMoved(await movedSince(), {
      [seriesName(m("requests_total"), { api: "chat", key: "team-a", model: "fast", route: "fast-lane", provider: "primary", status_class: "2xx", outcome: "stream_error" })]: 1,
      ...observed("request_duration_seconds", { api: "chat", model: "fast", provider: "primary", outcome: "stream_error" }),
      ...observed("gateway_overhead_seconds", { api: "chat", model: "fast", provider: "primary" }),
      ...observed("upstream_duration_seconds", { provider: "primary", upstream_model: "gpt-4o-mini" }),
      ...observed("time_to_first_token_seconds", target),
    });
  });

  it("counts a client that leaves mid-stream as a client_abort", async () => {
    primary.script({ reply: { text: "a b c d e f g h i j k l m n o p" }, chunkIntervalMs: 50 });
    const lines = requestLines(gw).length;
    const controller = new AbortController();
    const stream = await client().chat.completions.create({ ...ask("fast"), stream: true }, { signal: controller.signal });
    await abortAfter(stream, controller, 2);
    await settled(lines + 1);
    const target = { model: "fast", provider: "primary", upstream_model: "gpt-4o-mini" };
    expectMoved(await movedSince(), {
      [seriesName(m("requests_total"), { api: "chat", key: "team-a", model: "fast", route: "fast-lane", provider: "primary", status_class: "2xx", outcome: "client_abort" })]: 1,
      ...observed("request_duration_seconds", { api: "chat", model: "fast", provider: "primary", outcome: "client_abort" }),
      ...observed("gateway_overhead_seconds", { api: "chat", model: "fast", provider: "primary" }),
      ...observed("upstream_duration_seconds", { provider: "primary", upstream_model: "gpt-4o-mini" }),
      ...observed("time_to_first_token_seconds", target),
    });
  });

  it("brings the in-flight gauge back to zero and shows every provider's breaker closed", async () => {
    const now = await scrape(`${gw.url}/metrics`);
    expect(now.get(m("inflight_requests"))).toBe(0);
    expect(now.get(seriesName(m("circuit_state"), { provider: "primary" }))).toBe(0);
    expect(now.get(seriesName(m("circuit_state"), { provider: "backup" }))).toBe(0);
    // No model of this config caches: no cache series at all.
    expect([...now.keys()].some((name) => name.startsWith(m("cache_")))).toBe(false);
    expect(now.get(m("process_cpu_user_seconds_total"))).toBeGreaterThan(0);
  });
});

describe("breaker metrics end to end", () => {
  let a: FakeUpstream;
  let b: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [a, b] = await Promise.all([startOpenAIFake(), startOpenAIFake()]);
    gw = await startTestGateway({
      providers: openaiProviders({ a, b }),
      models: { chain: { targets: [{ provider: "a", model: "m-a" }, { provider: "b", model: "m-b" }] } },
      resilience: { retries: 0, breaker: { volume_threshold: 4, error_threshold_percentage: 50, reset_timeout_ms: 300 } },
    });
  });
  afterAll(() => stopAll(gw, a, b));

  const circuit = async (provider: string) => (await scrape(`${gw.url}/metrics`)).get(seriesName(m("circuit_state"), { provider }));

  it("shows the breaker opening, half-opening and closing, and counts skips of an open breaker as fallbacks", async () => {
    expect(await circuit("a")).toBe(0);
    expect(await circuit("b")).toBe(0);
    const before = await scrape(`${gw.url}/metrics`);
    a.always({ status: 503 });
    const client = gw.client();
    const lines = requestLines(gw).length;
    for (let i = 0; i < 8; i++) await client.chat.completions.create({ model: "chain", messages: [{ role: "user", content: "hi" }] });
    await eventually(() => expect(requestLines(gw).length).toBe(lines + 8));
    const reached = a.chatRequests.length;
    expect(reached).toBeLessThan(8);
    expect(await circuit("a")).toBe(2);

    const served = servedRequest({ key: "anonymous", model: "chain", provider: "b", upstreamModel: "m-b", stream: false });
    const eightTimes = Object.fromEntries(Object.entries(served).map(([k, v]) => [k, v * 8]));
    expectMoved(moved(before, await scrape(`${gw.url}/metrics`)), {
      ...eightTimes,
      [seriesName(m("fallbacks_total"), { provider: "a", reason: "http_503" })]: reached,
      [seriesName(m("fallbacks_total"), { provider: "a", reason: "breaker_open" })]: 8 - reached,
    });

    // After the reset timeout the breaker lets a trial through: half-open, then closed on success.
    a.always({ reply: { text: "a is back" } });
    await eventually(async () => expect(await circuit("a")).toBe(1), 5_000);
    await client.chat.completions.create({ model: "chain", messages: [{ role: "user", content: "hi" }] });
    expect(await circuit("a")).toBe(0);
  });
});
