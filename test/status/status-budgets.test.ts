// Budgets and the response cache on GET /status.json, over HTTP against the real gateway and a
// fake upstream that reports scripted usage: a budgeted key's spend moves by the exact cost of
// that usage (cache hits cost nothing), a cache-enabled model shows its hit ratio, and a limit
// store that goes away makes the key's standing "unavailable" while the page keeps answering.
// Prices are whole micro-dollars per token: 2 per prompt token, 10 per completion token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayOn, OPENAI_UPSTREAM } from "../fakes/chat-upstreams.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";
import type { KeyStatus, StatusDocument } from "../../src/status/document.ts";

const KEY = "sk-team-a-0123456789";
const PRICE = { input_per_mtok: 2, output_per_mtok: 10 };
const cost = (prompt: number, completion: number) => prompt * 2 + completion * 10;
const micros = (usd: number | undefined) => Math.round((usd ?? Number.NaN) * 1_000_000);

async function status(gw: TestGateway): Promise<{ text: string; body: StatusDocument }> {
  const res = await fetch(`${gw.url}/status.json`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, body: JSON.parse(text) as StatusDocument };
}

/** The key as /status.json shows it once nothing is held (settlement follows the response). */
async function settled(gw: TestGateway, name: string): Promise<KeyStatus> {
  let key: KeyStatus | undefined;
  await eventually(async () => {
    key = (await status(gw)).body.keys.find((k) => k.name === name);
    expect(key?.budget?.held_usd).toBe(0);
  }, 10_000);
  if (key === undefined) throw new Error(`no key ${name} on the status document`);
  return key;
}

/** The next UTC midnight after an ISO instant. */
const nextUtcMidnight = (iso: string) => {
  const d = new Date(iso);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString();
};

describe("budgets and the response cache on /status.json", () => {
  const lane = gatewayOn(OPENAI_UPSTREAM, {
    models: {
      fast: { targets: [{ provider: "up", model: "m1" }], price: PRICE },
      remembered: { targets: [{ provider: "up", model: "m1" }], price: PRICE, cache: true },
    },
    keys: [
      { name: "team-a", key: KEY, rpm: 100, budget: { usd: 5, period: "day" } },
      { name: "ci", key: "sk-ci-0123456789" },
    ],
    limits: { store: "memory", default_max_tokens: 100 },
    resilience: { retries: 0 },
  });

  it("shows a budgeted key's spend moving by the exact cost of the upstream's usage, what remains and when it resets", async () => {
    const { body, text } = await status(lane.gw);
    expect(body.keys.find((k) => k.name === "team-a")?.budget).toEqual({
      usd: 5,
      period: "day",
      spent_usd: 0,
      held_usd: 0,
      remaining_usd: 5,
      resets_at: nextUtcMidnight(body.generated_at),
    });
    expect(body.keys.find((k) => k.name === "ci")).toEqual({ name: "ci" });
    expect(text).not.toContain(KEY);

    lane.fake.script({ reply: { text: "ok", usage: { prompt: 11, completion: 7 } } }, { reply: { text: "ok", usage: { prompt: 1000, completion: 500 } } });
    const client = lane.gw.client(KEY);
    await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "one" }] });
    await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "two" }] });

    const after = await settled(lane.gw, "team-a");
    const spent = cost(11, 7) + cost(1000, 500);
    expect(micros(after.budget?.spent_usd)).toBe(spent);
    expect(micros(after.budget?.remaining_usd)).toBe(5_000_000 - spent);
    expect(after.requests?.limit).toBe(100);
    // The key's own view reads the same store and agrees to the micro-dollar.
    const own = await client.get<{ budget: { spent_usd: number; remaining_usd: number } }>("/key");
    expect(micros(own.budget.spent_usd)).toBe(spent);
  });

  it("shows a cache-enabled model's hit ratio next to its cache setting, and hits cost the key nothing", async () => {
    const before = micros((await settled(lane.gw, "team-a")).budget?.spent_usd);
    lane.fake.script({ reply: { text: "a", usage: { prompt: 20, completion: 10 } } }, { reply: { text: "b", usage: { prompt: 20, completion: 10 } } });
    const client = lane.gw.client(KEY);
    const ask = (content: string) => client.chat.completions.create({ model: "remembered", messages: [{ role: "user", content }] });
    // same, same, same, other: two misses (sent upstream), two hits.
    for (const content of ["same", "same", "same", "other"]) await ask(content);
    expect(lane.fake.chatRequests).toHaveLength(2);

    const { body } = await status(lane.gw);
    expect(body.models.find((m) => m.name === "remembered")?.cache).toBe(true);
    expect(body.models.find((m) => m.name === "fast")).not.toHaveProperty("cache");
    expect(body.traffic.models.find((m) => m.model === "remembered")).toMatchObject({ requests: 4, cache: { hits: 2, misses: 2, hit_ratio: 0.5 } });
    expect(body.traffic.models.find((m) => m.model === "fast")).not.toHaveProperty("cache");
    expect(micros((await settled(lane.gw, "team-a")).budget?.spent_usd) - before).toBe(2 * cost(20, 10));
  });
});

const haveRedis = redisServerAvailable();
if (!haveRedis) console.warn(REDIS_MISSING_MESSAGE);

describe.skipIf(!haveRedis)("a limit store that goes away, on /status.json", () => {
  let fake: FakeUpstream;
  let redis: RedisServer;
  let gw: TestGateway;

  beforeAll(async () => {
    [fake, redis] = await Promise.all([startOpenAIFake(), startRedisServer()]);
    gw = await startTestGateway({
      providers: { up: { type: "openai", base_url: `${fake.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "m1" }], price: PRICE } },
      keys: [{ name: "team-a", key: KEY, rpm: 100, budget: { usd: 2, period: "total" } }],
      limits: { store: "redis", redis_url: redis.url, on_store_error: "open", default_max_tokens: 100 },
      resilience: { retries: 0 },
    });
  });
  afterAll(async () => {
    await stopAll(gw, fake);
    await redis.stop();
  });

  it("answers with the key's standing unavailable, its budget still named, and recovers when the store is back", async () => {
    fake.script({ reply: { text: "ok", usage: { prompt: 11, completion: 7 } } });
    await gw.client(KEY).chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    const before = await settled(gw, "team-a");
    expect(before.budget).toMatchObject({ usd: 2, period: "total", resets_at: null });
    expect(micros(before.budget?.spent_usd)).toBe(cost(11, 7));

    await redis.kill();
    const started = Date.now();
    const { body } = await status(gw);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(body.keys).toEqual([{ name: "team-a", budget: { usd: 2, period: "total" }, store_unavailable: true }]);
    expect(body.providers.map((p) => p.id)).toEqual(["up"]);

    await redis.restart();
    await eventually(async () => {
      const key = (await status(gw)).body.keys[0];
      expect(key?.store_unavailable).toBeUndefined();
      // A Redis restarted empty starts the spend again; what matters here is that it reads.
      expect(key?.budget?.spent_usd).toBeTypeOf("number");
    }, 15_000);
  });
});
