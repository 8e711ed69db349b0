// One budget shared by two gateway processes (`node src/index.ts --config F`) on one Redis:
// spend from either replica counts once against the same counter, concurrent requests spread
// over both never spend past it, and when Redis dies and comes back (persistent, as budgets
// need), what the fail-open replica served meanwhile is charged exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI, { APIError } from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually } from "../harness/gateway.ts";
import { startGatewayProcess, writeConfig, type GatewayProcess } from "../harness/process.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

const hello = { model: "fast", messages: [{ role: "user" as const, content: "hello" }] };
/** `fast` costs 2 micro-USD per prompt token and 10 per completion token; 11 + 7 tokens cost 92. */
const COST = 92;

interface KeyView {
  budget: { spent_usd: number; held_usd: number } | null;
}

/** Settled spend, once nothing is held (a charge is settled just after its response ends). */
async function spentMicros(client: OpenAI): Promise<number> {
  let spent = Number.NaN;
  await eventually(async () => {
    const view = await client.get<KeyView>("/key");
    expect(view.budget?.held_usd ?? 0).toBe(0);
    spent = Math.round((view.budget?.spent_usd ?? Number.NaN) * 1e6);
  }, 10_000);
  return spent;
}

describe.skipIf(!available)("a budget shared by replicas", () => {
  let redis: RedisServer;
  let fake: FakeUpstream;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    fake = await startOpenAIFake();
    const config = writeConfig({
      server: { host: "127.0.0.1", port: 0 },
      logging: { level: "info", format: "json" },
      providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: { input_per_mtok: 2, output_per_mtok: 10 } } },
      keys: [
        { name: "shared", key: "sk-shared", budget: { usd: 1, period: "total" } },
        // a little over three worst cases (prompt estimate x 2 + 100 x 10 each)
        { name: "crowd", key: "sk-crowd", budget: { usd: 0.0035, period: "total" } },
      ],
      limits: { store: "redis", redis_url: redis.url, on_store_error: "open", default_max_tokens: 100 },
      resilience: { retries: 0 },
    });
    [a, b] = await Promise.all([startGatewayProcess(config), startGatewayProcess(config)]);
  }, 30_000);

  afterAll(async () => {
    for (const gateway of [a, b]) {
      gateway.kill("SIGTERM");
      await gateway.exited;
    }
    await fake.close();
    await redis.stop();
  });

  const client = (gateway: GatewayProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  it("counts spend from both replicas against one budget", async () => {
    const [ca, cb] = [client(a, "sk-shared"), client(b, "sk-shared")];
    const remaining: string[] = [];
    for (const c of [ca, cb, ca, cb]) {
      const { response } = await c.chat.completions.create(hello).withResponse();
      remaining.push(response.headers.get("x-llm-budget-remaining-usd") ?? "");
      await spentMicros(c);
    }
    expect(remaining).toEqual(["1.000000", "0.999908", "0.999816", "0.999724"]);
    expect(await spentMicros(ca)).toBe(4 * COST);
    expect(await spentMicros(cb)).toBe(4 * COST);
  });

  it("never lets requests spread over both replicas together spend past the budget", async () => {
    fake.always({ delayMs: 300, reply: { text: "slow", usage: { prompt: 1, completion: 100 } } });
    const [ca, cb] = [client(a, "sk-crowd"), client(b, "sk-crowd")];
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? ca : cb).chat.completions.create(hello)));
    fake.reset();
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const refused = results.flatMap((r) => (r.status === "rejected" && r.reason instanceof APIError ? [r.reason.code] : []));
    expect(refused).toEqual(Array(9).fill("budget_exceeded"));
    expect(await spentMicros(ca)).toBe(3 * (2 + 1_000));
  });

  it("charges what was served while Redis was down exactly once when it is back", async () => {
    const ca = client(a, "sk-shared");
    const before = await spentMicros(ca);
    await redis.kill();
    // fail-open: served, the settlements wait for the store
    for (let i = 0; i < 2; i += 1) {
      const { response } = await ca.chat.completions.create(hello).withResponse();
      expect(response.headers.get("x-llm-budget-remaining-usd")).toBeNull();
    }
    await redis.restart(); // the append-only file brings back what was settled before
    await eventually(async () => expect(await spentMicros(ca)).toBe(before + 2 * COST), 15_000);
    // and it stays counted once: later retries of the outbox (if any) change nothing
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await spentMicros(client(b, "sk-shared"))).toBe(before + 2 * COST);
    const { response } = await ca.chat.completions.create(hello).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe(((1_000_000 - before - 2 * COST) / 1e6).toFixed(6));
  }, 30_000);
});
