// Rate limiting as metrics, end to end: a refusal moves rate_limited_total and a 4xx request;
// with Redis as the limit store, /ready follows Redis and failed store operations are counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";
import { expectMoved, moved, scrape, seriesName } from "./scrape.ts";
import { apiError } from "../harness/client-calls.ts";

const m = (name: string) => `llm_gateway_${name}`;
const ask = { model: "fast", messages: [{ role: "user" as const, content: "hi" }] };

describe("rate-limit refusals", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    gw = await startTestGateway({
      providers: openaiProviders({ up: fake }),
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
      keys: [{ name: "team-a", key: "sk-team-a-123456", rpm: 1 }],
      routing: { rules: [{ name: "all", when: {} }] },
    });
  });
  afterAll(() => stopAll(gw, fake));

  it("counts a refusal by limit and key, and the refused request as a 4xx error that reached no provider", async () => {
    const client = gw.client("sk-team-a-123456");
    await client.chat.completions.create(ask);
    await eventually(() => expect(requestLines(gw)).toHaveLength(1));
    const before = await scrape(`${gw.url}/metrics`);
    const err = await apiError(client.chat.completions.create(ask));
    expect(err.status).toBe(429);
    await eventually(() => expect(requestLines(gw)).toHaveLength(2));
    expect(fake.chatRequests).toHaveLength(1);
    const labels = { api: "chat", model: "fast", provider: "none" };
    expectMoved(moved(before, await scrape(`${gw.url}/metrics`)), {
      [seriesName(m("rate_limited_total"), { limit: "requests", key: "team-a" })]: 1,
      [seriesName(m("requests_total"), { api: "chat", key: "team-a", model: "fast", route: "all", provider: "none", status_class: "4xx", outcome: "error" })]: 1,
      [seriesName(m("request_duration_seconds_count"), { ...labels, outcome: "error" })]: 1,
      [seriesName(m("request_duration_seconds_bucket"), { ...labels, outcome: "error", le: "+Inf" })]: 1,
      [seriesName(m("gateway_overhead_seconds_count"), labels)]: 1,
      [seriesName(m("gateway_overhead_seconds_bucket"), { ...labels, le: "+Inf" })]: 1,
    });
  });
});

const redisPresent = redisServerAvailable();
if (!redisPresent) console.warn(`limits-metrics: ${REDIS_MISSING_MESSAGE}`);

describe.skipIf(!redisPresent)("the Redis limit store in /ready and store_errors_total", () => {
  let redis: RedisServer;
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    redis = await startRedisServer();
    fake = await startOpenAIFake();
    gw = await startTestGateway({
      providers: openaiProviders({ up: fake }),
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
      keys: [{ name: "team-a", key: "sk-team-a-123456", rpm: 1000 }],
      limits: { store: "redis", redis_url: redis.url, on_store_error: "open" },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
    await redis.stop();
  });

  const readiness = async () => {
    const res = await fetch(`${gw.url}/ready`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean> } };
  };

  it("is ready while Redis answers, not ready while it is down, and counts the checks that failed", async () => {
    await eventually(async () => expect(await readiness()).toMatchObject({ status: 200, body: { checks: { limits_store: true } } }));
    const client = gw.client("sk-team-a-123456");
    await client.chat.completions.create(ask);

    await redis.kill();
    await eventually(async () => expect(await readiness()).toMatchObject({ status: 503, body: { checks: { limits_store: false } } }), 5_000);
    const before = await scrape(`${gw.url}/metrics`);
    const served = await client.chat.completions.create(ask); // on_store_error: open serves anyway
    expect(served.choices[0]?.message.content).toBeTruthy();
    const after = await scrape(`${gw.url}/metrics`);
    const errors = seriesName(m("store_errors_total"), { store: "redis" });
    // one request, one failed check (fail-open admits it without holding anything to settle)
    expect((after.get(errors) ?? 0) - (before.get(errors) ?? 0)).toBe(1);
    expect(after.has(seriesName(m("rate_limited_total"), { limit: "store", key: "team-a" }))).toBe(false);

    await redis.restart();
    await eventually(async () => expect(await readiness()).toMatchObject({ status: 200, body: { checks: { limits_store: true } } }), 10_000);
  });
});
