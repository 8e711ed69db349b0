// The limiter against a real Redis that dies and comes back mid-test.
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { limiterFromConfig } from "../../src/limits/from-config.ts";
import type { Admission, Admitted, Limiter } from "../../src/limits/limiter.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

function config(redisUrl: string, onStoreError: "open" | "closed", key: string) {
  return configSchema.parse({
    providers: { up: { type: "openai", base_url: "http://127.0.0.1:9/v1" } },
    models: { m: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
    keys: [{ name: key, key: `secret-${key}`, rpm: 3, max_concurrent: 1 }],
    limits: { store: "redis", redis_url: redisUrl, on_store_error: onStoreError },
  });
}

/** A key with a $1 budget on a model at 2 micro-USD per prompt token and 10 per completion token. */
function budgetConfig(redisUrl: string, key: string) {
  return configSchema.parse({
    providers: { up: { type: "openai", base_url: "http://127.0.0.1:9/v1" } },
    models: { m: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: { input_per_mtok: 2, output_per_mtok: 10 } } },
    keys: [{ name: key, key: `secret-${key}`, budget: { usd: 1, period: "total" } }],
    limits: { store: "redis", redis_url: redisUrl, on_store_error: "open" },
  });
}

const ask = (limiter: Limiter, keyName: string) =>
  limiter.admit({ keyName, publicModel: "m", estimatedPromptTokens: 0, maxTokens: undefined });

function admitted(admission: Admission): Admitted {
  if (!admission.ok) throw new Error(`expected admission, got ${admission.status} ${admission.limit}`);
  return admission;
}

/** Polls until Redis answers the limiter again (admissions carry headers once it does). */
async function untilLimited(limiter: Limiter, keyName: string, ok: (a: Admission) => boolean): Promise<Admission> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const admission = await ask(limiter, keyName);
    if (ok(admission) || Date.now() > deadline) return admission;
    if (admission.ok) await admission.settle();
    await sleep(100);
  }
}

describe.skipIf(!available)("limiter with Redis going away", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("fail-open keeps serving and counts errors, then limits apply again once Redis is back", async () => {
    const warnings: string[] = [];
    const limiter = limiterFromConfig(config(server.url, "open", "open-key"), {
      logger: { warn: (_fields, message) => warnings.push(message) },
    });
    expect(await limiter.ready(5_000)).toBe(true);
    const before = admitted(await ask(limiter, "open-key"));
    expect(before.headers["x-ratelimit-remaining-requests"]).toBe("2");
    await before.settle();

    await server.kill();
    for (let i = 0; i < 5; i += 1) {
      const during = admitted(await ask(limiter, "open-key"));
      expect(during.headers).toEqual({});
      await during.settle();
    }
    expect(limiter.storeErrors).toBeGreaterThanOrEqual(5);
    expect(warnings.length).toBe(1);

    await server.restart();
    const back = await untilLimited(limiter, "open-key", (a) => a.ok && a.headers["x-ratelimit-remaining-requests"] !== undefined);
    expect(back).toMatchObject({ ok: true, headers: { "x-ratelimit-remaining-requests": "2" } });
    if (back.ok) await back.settle();
    await admitted(await ask(limiter, "open-key")).settle();
    await admitted(await ask(limiter, "open-key")).settle();
    expect(await ask(limiter, "open-key")).toMatchObject({ ok: false, status: 429, limit: "requests" });
    await limiter.close();
  });

  it("fail-closed refuses with 503 while Redis is down, then limits apply again", async () => {
    const limiter = limiterFromConfig(config(server.url, "closed", "closed-key"));
    expect(await limiter.ready(5_000)).toBe(true);
    await admitted(await ask(limiter, "closed-key")).settle();

    await server.kill();
    const during = await ask(limiter, "closed-key");
    expect(during).toMatchObject({ ok: false, status: 503, limit: "store" });
    expect(limiter.storeErrors).toBeGreaterThanOrEqual(1);

    await server.restart();
    const back = await untilLimited(limiter, "closed-key", (a) => a.ok);
    expect(back.ok).toBe(true);
    if (back.ok) await back.settle();
    await admitted(await ask(limiter, "closed-key")).settle();
    await admitted(await ask(limiter, "closed-key")).settle();
    expect(await ask(limiter, "closed-key")).toMatchObject({ ok: false, status: 429, limit: "requests" });
    await limiter.close();
  });

  it("renews the slot of a long request so it outlives its lease", async () => {
    const limiter = limiterFromConfig(config(server.url, "closed", "renew-key"), { slotLeaseMs: 300 });
    const long = admitted(await ask(limiter, "renew-key"));
    await sleep(1_000);
    expect(await ask(limiter, "renew-key")).toMatchObject({ ok: false, limit: "concurrency" });
    await long.settle();
    await admitted(await ask(limiter, "renew-key")).settle();
    await limiter.close();
  });

  it("gets back the slots of a replica that died holding them", async () => {
    const doomed = limiterFromConfig(config(server.url, "closed", "crash-key"), { slotLeaseMs: 300 });
    admitted(await ask(doomed, "crash-key")); // never settled
    await doomed.close(); // stops renewing, as a dead process would

    const survivor = limiterFromConfig(config(server.url, "closed", "crash-key"), { slotLeaseMs: 300 });
    expect(await ask(survivor, "crash-key")).toMatchObject({ ok: false, limit: "concurrency" });
    await sleep(500);
    await admitted(await ask(survivor, "crash-key")).settle();
    await survivor.close();
  });

  it("counts a settlement once when Redis applied it but the reply was lost, however often the outbox sends it again", async () => {
    const limiter = limiterFromConfig(budgetConfig(server.url, "lost-reply"));
    expect(await limiter.ready(5_000)).toBe(true);
    const admission = admitted(await limiter.admit({ keyName: "lost-reply", publicModel: "m", estimatedPromptTokens: 10, maxTokens: 100, price: { input_per_mtok: 2, output_per_mtok: 10 } }));
    // Redis holds every command for 3.5 s: the settlement is written to the socket, times out
    // after 1 s on the client, is kept and sent again every second, and once the pause ends Redis
    // runs the original and every repeat.
    const pauser = new Redis(server.url);
    onTestFinished(() => pauser.disconnect());
    await pauser.call("CONFIG", "RESETSTAT");
    await pauser.call("CLIENT", "PAUSE", "3500", "ALL");
    await admission.settle({ prompt_tokens: 12, completion_tokens: 30 });
    expect(limiter.pendingSettlements).toBe(1);
    expect(limiter.pendingMicros).toBe(12 * 2 + 30 * 10);
    await sleep(2_200); // at least two repeats queued behind the pause
    const deadline = Date.now() + 15_000;
    while (limiter.pendingSettlements > 0 && Date.now() < deadline) await sleep(100);
    expect(limiter.pendingSettlements).toBe(0);
    expect(limiter.pendingMicros).toBe(0);
    const standing = await limiter.standing("lost-reply");
    expect(standing.budget).toMatchObject({ spentUsd: (12 * 2 + 30 * 10) / 1e6, heldUsd: 0 });
    // Redis ran the settlement more than once: one application, the rest recognised by its mark
    const commands = await pauser.call("INFO", "commandstats");
    const settles = /cmdstat_evalsha:calls=(\d+)/.exec(String(commands));
    expect(Number(settles?.[1])).toBeGreaterThanOrEqual(3); // the settlement and two or more repeats (and the read)
    await limiter.close();
  }, 30_000);
});
