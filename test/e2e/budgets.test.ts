// Per-key USD budgets end to end: the real gateway (memory store), the real openai SDK, fake
// OpenAI upstreams that report scripted usage. Prices are chosen so costs are whole
// micro-dollars: `fast` costs 2 micro-USD per prompt token and 10 per completion token, so the
// default scripted usage (11 prompt, 7 completion) costs exactly $0.000092. Each test uses its
// own key, so spend never leaks between tests.
import Anthropic, { APIError as AnthropicError } from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { configFromObject } from "../../src/config/load.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { abortAfter, apiError } from "../harness/client-calls.ts";
import { eventually, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { fakeClock, type FakeClock } from "../limits/fake-clock.ts";
import { parseSamples } from "../telemetry/scrape.ts";

const hello = { model: "fast", messages: [{ role: "user" as const, content: "hello" }] };
const FAST_PRICE = { input_per_mtok: 2, output_per_mtok: 10 };
/** micro-USD of `fast` for these tokens. */
const fastCost = (prompt: number, completion: number) => prompt * 2 + completion * 10;
const usd = (micros: number) => (micros / 1_000_000).toFixed(6);

interface KeyView {
  object: "key";
  name: string | null;
  models: string[];
  limits: {
    rpm: { limit: number; remaining: number } | null;
    tpm: { limit: number; remaining: number } | null;
    max_concurrent: { limit: number; in_use: number; remaining: number } | null;
  };
  budget: {
    usd: number;
    period: string;
    spent_usd: number;
    held_usd: number;
    remaining_usd: number;
    period_start: string | null;
    resets_at: string | null;
  } | null;
}

const micros = (value: number) => Math.round(value * 1_000_000);

/** The calling key's own view, through the SDK's generic GET. */
const ownKey = (client: OpenAI) => client.get<KeyView>("/key");

/**
 * The view once nothing is held: a request's charge is settled just after its response ends,
 * so a client that reads at once may still see the request's hold.
 */
async function settledView(client: OpenAI): Promise<KeyView> {
  let view: KeyView | undefined;
  await eventually(async () => {
    view = await ownKey(client);
    expect(view.budget?.held_usd ?? 0).toBe(0);
  }, 10_000);
  if (view === undefined) throw new Error("unreachable: eventually resolved without a view");
  return view;
}
const spentMicros = async (client: OpenAI) => micros((await settledView(client)).budget?.spent_usd ?? Number.NaN);

function gatewayConfig(up: FakeUpstream, bad: FakeUpstream, keys: Record<string, unknown>[]): Record<string, unknown> {
  return {
    providers: {
      up: { type: "openai", api_key: "sk-upstream", base_url: `${up.origin}/v1` },
      bad: { type: "openai", api_key: "sk-upstream", base_url: `${bad.origin}/v1` },
    },
    models: {
      fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: FAST_PRICE },
      remembered: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: FAST_PRICE, cache: true },
      chain: { targets: [{ provider: "bad", model: "gpt-4o" }, { provider: "up", model: "gpt-4o-mini" }], price: FAST_PRICE },
      vectors: { kind: "embeddings", targets: [{ provider: "up", model: "text-embedding-3-small" }], price: { input_per_mtok: 3, output_per_mtok: 0 } },
    },
    keys,
    limits: { store: "memory", default_max_tokens: 100 },
    resilience: { retries: 0 },
  };
}

describe("budgets", () => {
  let up: FakeUpstream;
  let bad: FakeUpstream;
  let gw: TestGateway;
  const budgetKey = (name: string, usdAmount: number, extra: Record<string, unknown> = {}) => ({
    name,
    key: `sk-${name}`,
    budget: { usd: usdAmount, period: "day" },
    ...extra,
  });
  const keys = [
    budgetKey("refused", 0.002),
    budgetKey("exact", 1),
    budgetKey("crowd", 0.0035),
    budgetKey("stream", 1),
    budgetKey("stream-quiet", 1),
    budgetKey("abort", 1),
    budgetKey("fallback", 1),
    budgetKey("failing", 1),
    budgetKey("embed", 1),
    budgetKey("responses", 1),
    budgetKey("responses-spent", 0.002),
    budgetKey("messages", 0.002),
    budgetKey("cached", 0.0015),
    budgetKey("reload", 0.0015),
    budgetKey("view-a", 5, { models: ["fast", "vectors"], rpm: 30, tpm: 30, max_concurrent: 4 }),
    { name: "view-b", key: "sk-view-b", rpm: 7 },
  ];

  beforeAll(async () => {
    [up, bad] = await Promise.all([startOpenAIFake(), startOpenAIFake()]);
    gw = await startTestGateway(gatewayConfig(up, bad, keys));
  });
  afterAll(() => stopAll(gw, up, bad));
  beforeEach(() => {
    up.reset();
    bad.reset();
  });

  it("refuses a spent budget with 429 insufficient_quota, no retry, Retry-After until the period ends, naming key, period and budget", async () => {
    // retries on, as a client would have them: the refusal must not be retried
    const client = gw.client("sk-refused", { maxRetries: 2 });
    up.always({ reply: { text: "big", usage: { prompt: 100, completion: 150 } } });
    const { response } = await client.chat.completions.create(hello).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe("0.002000");
    await settledView(client);

    const error = await apiError(client.chat.completions.create(hello));
    const refusedAt = Date.now();
    expect(error.status).toBe(429);
    expect(error.type).toBe("insufficient_quota");
    expect(error.code).toBe("budget_exceeded");
    expect(error.headers?.get("x-should-retry")).toBe("false");
    expect(error.headers?.get("x-llm-budget-remaining-usd")).toBe(usd(2_000 - fastCost(100, 150)));
    const midnight = Date.UTC(new Date(refusedAt).getUTCFullYear(), new Date(refusedAt).getUTCMonth(), new Date(refusedAt).getUTCDate() + 1);
    const retryAfter = Number(error.headers?.get("retry-after"));
    expect(Math.abs(retryAfter - (midnight - refusedAt) / 1_000)).toBeLessThanOrEqual(2);
    expect(error.message).toContain('key "refused"');
    expect(error.message).toContain("$0.002 per day");
    expect(error.message).toContain(new Date(midnight).toISOString());
    // one upstream call: the refused request was neither sent nor retried
    expect(up.chatRequests).toHaveLength(1);

    const scrape = parseSamples(await (await fetch(`${gw.url}/metrics`)).text());
    expect(scrape.get('llm_gateway_rate_limited_total{key="refused",limit="budget"}')).toBe(1);
    expect(scrape.get('llm_gateway_budget_spent_usd{key="refused"}')).toBeCloseTo(fastCost(100, 150) / 1e6, 9);
    expect(scrape.get('llm_gateway_budget_limit_usd{key="refused"}')).toBe(0.002);
  });

  it("lowers what remains by exactly the cost of the usage the upstream reported", async () => {
    const client = gw.client("sk-exact");
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { response } = await client.chat.completions.create(hello).withResponse();
      remaining.push(response.headers.get("x-llm-budget-remaining-usd") ?? "");
      await settledView(client);
    }
    // the header is what remained when the request was admitted, before its own charge
    expect(remaining).toEqual([usd(1_000_000), usd(1_000_000 - 92), usd(1_000_000 - 184)]);
    const view = await settledView(client);
    expect(micros(view.budget?.spent_usd ?? 0)).toBe(3 * 92);
    expect(micros(view.budget?.remaining_usd ?? 0)).toBe(1_000_000 - 3 * 92);
    expect(view.budget?.held_usd).toBe(0);
  });

  it("never lets concurrent requests together spend past the budget", async () => {
    // The worst case of one request is its prompt estimate at 2 plus 100 completion tokens at
    // 10: a little over $0.001, so $0.0035 holds three and not four. Twelve arrive at once.
    const client = gw.client("sk-crowd");
    up.always({ delayMs: 300, reply: { text: "slow", usage: { prompt: 1, completion: 100 } } });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => client.chat.completions.create(hello)));
    const served = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as { code?: string }] : []));
    expect(served).toHaveLength(3);
    expect(refused.map((e) => e.code)).toEqual(Array(9).fill("budget_exceeded"));
    expect(up.chatRequests).toHaveLength(3);
    expect(await spentMicros(client)).toBe(3 * fastCost(1, 100));
  });

  it("charges a stream from its usage chunk, whether or not the client asked for it", async () => {
    const asked = gw.client("sk-stream");
    up.always({ reply: { text: "one two three", usage: { prompt: 20, completion: 30 } } });
    const stream = await asked.chat.completions.create({ ...hello, stream: true, stream_options: { include_usage: true } });
    let usageSeen = false;
    for await (const chunk of stream) if (chunk.usage) usageSeen = true;
    expect(usageSeen).toBe(true);
    expect(await spentMicros(asked)).toBe(fastCost(20, 30));

    const quiet = gw.client("sk-stream-quiet");
    const chunks = await quiet.chat.completions.create({ ...hello, stream: true });
    for await (const chunk of chunks) expect(chunk.usage ?? undefined).toBeUndefined();
    // the gateway asked the upstream for usage on the client's behalf
    expect((up.lastChat.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    expect(await spentMicros(quiet)).toBe(fastCost(20, 30));
  });

  it("charges an aborted stream the prompt plus what was sent, and keeps no hold", async () => {
    const client = gw.client("sk-abort");
    up.always({ chunkIntervalMs: 150, reply: { text: "a b c d e f g h i j k l m n o p q r s t", usage: { prompt: 9, completion: 20 } } });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ ...hello, stream: true }, { signal: controller.signal });
    // while it runs, the worst case is held: prompt estimate x 2 + 100 x 10
    const held = micros((await ownKey(client)).budget?.held_usd ?? 0);
    const promptCost = held - 100 * 10;
    expect(promptCost).toBeGreaterThan(0);
    const seen = await abortAfter(stream, controller, 3, (chunk) => Boolean(chunk.choices[0]?.delta.content));
    expect(seen).toBe(3);
    await settledView(client);
    const charged = await spentMicros(client) - promptCost;
    // one token per event that reached the client: the role chunk and at least three words
    expect(charged % 10).toBe(0);
    expect(charged / 10).toBeGreaterThanOrEqual(4);
    expect(charged / 10).toBeLessThan(21);
  });

  it("charges only the target that served a fallback", async () => {
    bad.always({ status: 500, message: "down" });
    const client = gw.client("sk-fallback");
    const { response } = await client.chat.completions.create({ ...hello, model: "chain" }).withResponse();
    expect(response.headers.get("x-llm-fallbacks")).toBe("1");
    expect(bad.chatRequests).toHaveLength(1);
    expect(await spentMicros(client)).toBe(fastCost(11, 7));
  });

  it("releases the hold of a request every upstream failed, charging nothing", async () => {
    up.always({ status: 500, message: "down" });
    const client = gw.client("sk-failing");
    expect((await apiError(client.chat.completions.create(hello))).status).toBe(502);
    const view = await settledView(client);
    expect(view.budget).toMatchObject({ spent_usd: 0, held_usd: 0, remaining_usd: 1 });
  });

  it("charges embeddings their input tokens at the embeddings model's price", async () => {
    const client = gw.client("sk-embed");
    const { data, response } = await client.embeddings.create({ model: "vectors", input: ["alpha beta", "gamma"] }).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe("1.000000");
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(await spentMicros(client)).toBe(data.usage.prompt_tokens * 3);
  });

  it("charges the Responses door like any other, from the usage of the chat call that served it", async () => {
    const client = gw.client("sk-responses");
    const { response } = await client.responses.create({ model: "fast", input: "hello", max_output_tokens: 50 }).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe("1.000000");
    expect(await spentMicros(client)).toBe(fastCost(11, 7));
  });

  it("refuses on the Responses door in the OpenAI envelope, which its SDK does not retry", async () => {
    const client = gw.client("sk-responses-spent", { maxRetries: 2 });
    up.always({ reply: { text: "big", usage: { prompt: 100, completion: 150 } } });
    await client.responses.create({ model: "fast", input: "hello", max_output_tokens: 100 });
    expect(await spentMicros(client)).toBe(fastCost(100, 150));
    const error = await apiError(client.responses.create({ model: "fast", input: "hello again", max_output_tokens: 100, stream: true }));
    expect([error.status, error.type, error.code]).toEqual([429, "insufficient_quota", "budget_exceeded"]);
    expect(error.message).toContain('Budget exceeded for key "responses-spent": $0.002 per day');
    expect(error.headers?.get("x-should-retry")).toBe("false");
    expect(error.headers?.get("x-llm-budget-remaining-usd")).toBe(usd(2_000 - fastCost(100, 150)));
    expect(up.chatRequests).toHaveLength(1);
    const scrape = parseSamples(await (await fetch(`${gw.url}/metrics`)).text());
    expect(scrape.get('llm_gateway_rate_limited_total{key="responses-spent",limit="budget"}')).toBe(1);
  });

  it("charges the Messages door and refuses there in Anthropic's envelope, which its SDK does not retry", async () => {
    const anthropic = new Anthropic({ apiKey: "sk-messages", baseURL: gw.url, maxRetries: 2 });
    up.always({ reply: { text: "big", usage: { prompt: 100, completion: 150 } } });
    const ask = () => anthropic.messages.create({ model: "fast", max_tokens: 100, messages: [{ role: "user", content: "hello" }] });
    await ask();
    expect(await spentMicros(gw.client("sk-messages"))).toBe(fastCost(100, 150));
    const error = await ask().then(
      () => expect.unreachable("the spent budget must refuse"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AnthropicError);
    const refusal = error as InstanceType<typeof AnthropicError>;
    expect(refusal.status).toBe(429);
    expect(refusal.error).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error", message: expect.stringContaining('Budget exceeded for key "messages": $0.002 per day') as unknown },
    });
    expect(refusal.headers?.get("x-should-retry")).toBe("false");
    expect(refusal.headers?.get("x-llm-budget-remaining-usd")).toBe(usd(2_000 - fastCost(100, 150)));
    expect(up.chatRequests).toHaveLength(1);
  });

  it("serves a cache hit free, even once the budget is spent", async () => {
    const client = gw.client("sk-cached");
    const remembered = { model: "remembered", messages: [{ role: "user" as const, content: "remember this" }] };
    up.always({ reply: { text: "pricey", usage: { prompt: 50, completion: 90 } } });
    await client.chat.completions.create(remembered);
    const spent = await spentMicros(client);
    expect(spent).toBe(fastCost(50, 90));
    expect((await apiError(client.chat.completions.create(hello))).code).toBe("budget_exceeded");
    const { data, response } = await client.chat.completions.create(remembered).withResponse();
    expect(data.choices[0]?.message.content).toBe("pricey");
    expect(response.headers.get("x-llm-cache")).toBe("hit");
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe(usd(1_500 - spent));
    expect(up.chatRequests).toHaveLength(1);
    expect(await spentMicros(client)).toBe(spent);
  });

  it("applies a reloaded budget at once and keeps the spend so far", async () => {
    const client = gw.client("sk-reload");
    up.always({ reply: { text: "x", usage: { prompt: 50, completion: 90 } } });
    await client.chat.completions.create(hello);
    await settledView(client);
    expect((await apiError(client.chat.completions.create(hello))).code).toBe("budget_exceeded");
    const raised = keys.map((k) => (k.name === "reload" ? budgetKey("reload", 0.01) : k));
    gw.running.reload(configFromObject({ server: { host: "127.0.0.1", port: 0 }, ...gatewayConfig(up, bad, raised) }, "test", {}));
    const { response } = await client.chat.completions.create(hello).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe(usd(10_000 - fastCost(50, 90)));
    expect(await spentMicros(client)).toBe(2 * fastCost(50, 90));
    gw.running.reload(configFromObject({ server: { host: "127.0.0.1", port: 0 }, ...gatewayConfig(up, bad, keys) }, "test", {}));
  });

  it("answers GET /v1/key with the calling key's own view and nothing of any other key", async () => {
    const a = gw.client("sk-view-a");
    const b = gw.client("sk-view-b");
    await a.chat.completions.create(hello);
    const viewA = await settledView(a);
    const today = new Date();
    const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    expect(viewA).toEqual({
      object: "key",
      name: "view-a",
      models: ["fast", "vectors"],
      limits: {
        rpm: { limit: 30, remaining: 29 },
        // 18 tokens used of 30 a minute, draining at one per 2 s
        tpm: { limit: 30, remaining: 12 },
        max_concurrent: { limit: 4, in_use: 0, remaining: 4 },
      },
      budget: {
        usd: 5,
        period: "day",
        spent_usd: 0.000092,
        held_usd: 0,
        remaining_usd: 4.999908,
        period_start: new Date(start).toISOString(),
        resets_at: new Date(start + 86_400_000).toISOString(),
      },
    });
    const viewB = await ownKey(b);
    expect(viewB).toEqual({
      object: "key",
      name: "view-b",
      models: ["fast", "remembered", "chain", "vectors"],
      limits: { rpm: { limit: 7, remaining: 7 }, tpm: null, max_concurrent: null },
      budget: null,
    });
    expect(JSON.stringify(viewB)).not.toContain("view-a");
    expect((await apiError(gw.client("sk-nobody").get("/key"))).status).toBe(401);
  });
});

describe("budget periods", () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  let clock: FakeClock;

  beforeAll(async () => {
    up = await startOpenAIFake();
    // Sunday 2025-03-02, one minute before midnight UTC: the day and the week both end at once
    clock = fakeClock(Date.UTC(2025, 2, 2, 23, 59, 0));
    gw = await startTestGateway(
      {
        providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${up.origin}/v1` } },
        models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: FAST_PRICE } },
        keys: [
          { name: "weekly", key: "sk-weekly", budget: { usd: 0.002, period: "week" } },
          { name: "forever", key: "sk-forever", budget: { usd: 0.002, period: "total" } },
        ],
        limits: { store: "memory", default_max_tokens: 100 },
      },
      {},
      { clock },
    );
  });
  afterAll(() => stopAll(gw, up));

  it("starts a new counter when the period rolls over, and a total budget never does", async () => {
    up.always({ reply: { text: "x", usage: { prompt: 100, completion: 150 } } });
    const weekly = gw.client("sk-weekly");
    const forever = gw.client("sk-forever");
    await weekly.chat.completions.create(hello);
    await forever.chat.completions.create(hello);
    await Promise.all([settledView(weekly), settledView(forever)]);
    const refusal = await apiError(weekly.chat.completions.create(hello));
    expect(refusal.code).toBe("budget_exceeded");
    expect(refusal.headers?.get("retry-after")).toBe("60");
    expect(refusal.message).toContain("per week");
    const totalRefusal = await apiError(forever.chat.completions.create(hello));
    expect(totalRefusal.headers?.get("retry-after")).toBeNull();
    expect(totalRefusal.message).toContain("does not reset");
    expect((await ownKey(weekly)).budget).toMatchObject({ period_start: "2025-02-24T00:00:00.000Z", resets_at: "2025-03-03T00:00:00.000Z" });

    clock.advance(60_000); // Monday 00:00 UTC
    const { response } = await weekly.chat.completions.create(hello).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe("0.002000");
    expect((await settledView(weekly)).budget).toMatchObject({
      spent_usd: fastCost(100, 150) / 1e6,
      period_start: "2025-03-03T00:00:00.000Z",
      resets_at: "2025-03-10T00:00:00.000Z",
    });
    expect((await apiError(forever.chat.completions.create(hello))).code).toBe("budget_exceeded");
    expect((await ownKey(forever)).budget).toMatchObject({ period_start: null, resets_at: null });
  });
});

describe("budget config", () => {
  const base = {
    providers: { up: { type: "openai", base_url: "http://127.0.0.1:9/v1" } },
    models: {
      priced: { targets: [{ provider: "up", model: "a" }], price: FAST_PRICE },
      local: { targets: [{ provider: "up", model: "b" }], price: { input_per_mtok: 0, output_per_mtok: 0 } },
      unpriced: { targets: [{ provider: "up", model: "c" }] },
    },
  };
  const problems = (extra: Record<string, unknown>): readonly string[] => {
    try {
      configFromObject({ ...base, ...extra }, "test", {});
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };
  const budget = { usd: 10, period: "month" };

  it("refuses a budgeted key that may reach a model without a price, naming both", () => {
    expect(problems({ keys: [{ name: "team", key: "k", budget }] })).toEqual([
      expect.stringMatching(/^keys\[0\]\.budget: key "team" has a budget but may use model "unpriced", which has no price/),
    ]);
    expect(problems({ keys: [{ name: "team", key: "k", budget, models: ["priced", "unpriced"] }] })).toHaveLength(1);
    // `auto` reaches what the rules and the default choose
    const routed = { routing: { default: "unpriced" }, keys: [{ name: "team", key: "k", budget, models: ["auto"] }] };
    expect(problems(routed)).toEqual([expect.stringContaining('may use model "unpriced"')]);
  });

  it("accepts a budgeted key limited to priced models, a free local model included, and unbudgeted keys anywhere", () => {
    expect(problems({ keys: [{ name: "team", key: "k", budget, models: ["priced", "local"] }, { name: "open", key: "o" }] })).toEqual([]);
  });
});
