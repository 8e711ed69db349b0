import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore } from "../../src/limits/redis-store.ts";
import type { LimitStore } from "../../src/limits/types.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";
import { fakeClock } from "./fake-clock.ts";
import { storeContract } from "./store-contract.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

describe.skipIf(!available)("redis store", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  storeContract("redis", (clock) => createRedisStore({ url: server.url, clock }));

  describe("shared by replicas", () => {
    it("enforces one limit for two stores on the same Redis", async () => {
      const clock = fakeClock();
      const a = createRedisStore({ url: server.url, clock });
      const b = createRedisStore({ url: server.url, clock });
      const key = `shared-${randomUUID()}`;
      const request = { buckets: [{ kind: "requests" as const, key, limit: 4, windowMs: 60_000, cost: 1 }] };
      const results = [];
      for (const store of [a, b, a, b, a, b]) results.push((await store.check(request)).allowed);
      expect(results).toEqual([true, true, true, true, false, false]);
      await Promise.all([a.close(), b.close()]);
    });

    it("frees the slots of a replica that crashed while holding them once their lease runs out", async () => {
      const clock = fakeClock();
      const survivor = createRedisStore({ url: server.url, clock });
      const crashed = createRedisStore({ url: server.url, clock });
      const key = `crash-${randomUUID()}`;
      const claim = () => ({ buckets: [], slot: { key, id: randomUUID(), max: 2, leaseMs: 10_000 } });
      expect((await crashed.check(claim())).allowed).toBe(true);
      expect((await crashed.check(claim())).allowed).toBe(true);
      await crashed.close(); // gone without releasing anything
      expect((await survivor.check(claim())).allowed).toBe(false);
      clock.advance(10_001);
      const after = await survivor.check(claim());
      expect(after.slot).toEqual({ max: 2, inUse: 1, acquired: true });
      await survivor.close();
    });

    it("keeps its keys under a prefix and expires them once they no longer matter", async () => {
      const store = createRedisStore({ url: server.url, keyPrefix: "ttl-test:" });
      const key = `ttl-${randomUUID()}`;
      await store.check({
        buckets: [{ kind: "requests", key, limit: 60, windowMs: 60_000, cost: 1 }],
        slot: { key: `${key}:conc`, id: "x", max: 1, leaseMs: 5_000 },
      });
      const { Redis } = await import("ioredis");
      const raw = new Redis(server.url);
      const bucketTtl = await raw.pttl(`ttl-test:${key}`);
      const slotTtl = await raw.pttl(`ttl-test:${key}:conc`);
      raw.disconnect();
      await store.close();
      // one request of 60 per minute is 1 s of backlog: kept 1 s plus a 1 s margin
      expect(bucketTtl).toBeGreaterThan(1_000);
      expect(bucketTtl).toBeLessThanOrEqual(2_000);
      expect(slotTtl).toBeGreaterThan(5_000);
      expect(slotTtl).toBeLessThanOrEqual(6_000);
    });
  });

  it("rejects operations promptly while Redis is down and works again once it is back", async () => {
    const store: LimitStore = createRedisStore({ url: server.url, maxReconnectDelayMs: 100 });
    const request = {
      buckets: [{ kind: "requests" as const, key: `down-${randomUUID()}`, limit: 10, windowMs: 60_000, cost: 1 }],
    };
    expect(await store.ready(5_000)).toBe(true);
    expect((await store.check(request)).allowed).toBe(true);
    await server.kill();
    await expect(store.check(request)).rejects.toThrow();
    await expect(store.adjust([{ key: "k", limit: 1, windowMs: 60_000, delta: 1 }])).rejects.toThrow();
    await server.restart();
    expect(await store.ready(10_000)).toBe(true);
    const after = await store.check(request);
    // the restarted server is empty: the first request of ten again
    expect(after.buckets[0]?.remaining).toBe(9);
    await store.close();
  });
});
