// Two gateway processes (`node src/index.ts`) share one Redis as the cache's shared tier: a
// public answer fetched through one is a hit on the other, a confidential one never leaves the
// process that fetched it, every entry carries a TTL under the cache's prefix, and when Redis
// dies the cache steps aside (requests still answered, store errors counted) until it is back.
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually } from "../harness/gateway.ts";
import { PROCESS_BASE, startReplicas, stopProcesses, writeConfig, type GatewayProcess } from "../harness/process.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";
import { scrape } from "../telemetry/scrape.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

const ask = (content: string) => ({ model: "fast", messages: [{ role: "user" as const, content }] });

async function cacheStatus(client: OpenAI, content: string): Promise<string | null> {
  const { response } = await client.chat.completions.create(ask(content)).withResponse();
  return response.headers.get("x-llm-cache");
}

describe.skipIf(!available)("response cache shared through Redis", () => {
  let redis: RedisServer;
  let fake: FakeUpstream;
  let one: GatewayProcess;
  let two: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    fake = await startOpenAIFake();
    const config = writeConfig({
      ...PROCESS_BASE,
      providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true } },
      routing: { detectors: [{ name: "secret-marker", pattern: "TOP SECRET", sensitivity: "confidential" }] },
      keys: [{ name: "team", key: "sk-team" }],
      cache: { store: "redis", redis_url: redis.url, compress_min_bytes: 1024 },
      resilience: { retries: 0 },
    });
    [one, two] = await startReplicas(config);
  }, 30_000);

  afterAll(async () => {
    await stopProcesses([one, two]);
    await fake.close();
    await redis.stop();
  });
  beforeEach(() => fake.reset());

  const client = (gateway: GatewayProcess) => new OpenAI({ apiKey: "sk-team", baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  it("answers one replica's miss from the other, compressed or not, and every entry has a TTL under the cache prefix", async () => {
    const direct = new Redis(redis.url);
    // Entries reach Redis in the background, just after the miss is answered.
    const stored = (count: number) => eventually(async () => expect(await direct.dbsize()).toBe(count), 5_000);
    try {
      expect(await cacheStatus(client(one), "shared across replicas")).toBe("miss");
      await stored(1);
      expect(await cacheStatus(client(two), "shared across replicas")).toBe("hit");

      const long = "a long answer ".repeat(500);
      fake.script({ reply: { text: long } });
      await client(one).chat.completions.create(ask("long answer"));
      await stored(2);
      const hit = await client(two).chat.completions.create(ask("long answer"));
      expect(hit.choices[0]?.message.content).toBe(long);
      expect(fake.chatRequests).toHaveLength(2);

      const keys = await direct.keys("*");
      expect(keys.length).toBe(2);
      const tags: string[] = [];
      for (const key of keys) {
        expect(key.startsWith("llmgw:cache:")).toBe(true);
        expect(await direct.pttl(key)).toBeGreaterThan(0);
        tags.push(String.fromCharCode((await direct.getBuffer(key))?.[0] ?? 0));
      }
      // The long answer is stored deflated ("z"), the short one as plain JSON ("j").
      expect(tags.sort()).toEqual(["j", "z"]);
    } finally {
      direct.disconnect();
    }
    const metrics = await scrape(`${two.url}/metrics`);
    expect(metrics.get('llm_gateway_cache_hits_total{api="chat",model="fast",tier="redis"}')).toBe(2);
  });

  it("never shares a confidential answer with the other replica", async () => {
    const content = "TOP SECRET numbers";
    expect(await cacheStatus(client(one), content)).toBe("miss");
    expect(await cacheStatus(client(two), content)).toBe("miss");
    expect(await cacheStatus(client(one), content)).toBe("hit");
    expect(fake.chatRequests).toHaveLength(2);
  });

  it("steps aside while Redis is down, counting store errors, and shares again once it is back", async () => {
    await redis.kill();
    expect(await cacheStatus(client(one), "during the outage")).toBe("miss");
    expect(await cacheStatus(client(two), "during the outage")).toBe("miss");
    expect(fake.chatRequests).toHaveLength(2);
    const errors = await scrape(`${two.url}/metrics`);
    expect(errors.get('llm_gateway_store_errors_total{store="cache"}')).toBeGreaterThan(0);

    await redis.restart();
    await eventually(async () => {
      const content = `after the outage ${Math.random()}`;
      await client(one).chat.completions.create(ask(content));
      // The write is in the background: give it a moment before the other replica looks.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await cacheStatus(client(two), content)).toBe("hit");
    }, 10_000);
  }, 30_000);
});
