// One budget shared by two gateway processes (`node src/index.ts --config F`) on one Redis:
// spend from either replica counts once against the same counter, concurrent requests spread
// over both never spend past it, and when Redis dies and comes back (persistent, as budgets
// need), what the fail-open replicas served meanwhile is charged exactly once, while their
// responses tell the last standing they knew.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI, { APIError } from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError, drain } from "../harness/client-calls.ts";
import { eventually } from "../harness/gateway.ts";
import { PROCESS_BASE, startGatewayProcess, startReplicas, stopProcesses, writeConfig, type GatewayProcess } from "../harness/process.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";
import { parseSamples } from "../telemetry/scrape.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

const hello = { model: "fast", messages: [{ role: "user" as const, content: "hello" }] };
/** `fast` costs 2 micro-USD per prompt token and 10 per completion token; 11 + 7 tokens cost 92. */
const COST = 92;
const fastCost = (prompt: number, completion: number) => prompt * 2 + completion * 10;
const usd = (micros: number) => (micros / 1_000_000).toFixed(6);
const scrapeOf = async (gateway: GatewayProcess) => parseSamples(await (await fetch(`${gateway.url}/metrics`)).text());

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
  let configFile: string;

  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    fake = await startOpenAIFake();
    configFile = writeConfig({
      ...PROCESS_BASE,
      providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: { input_per_mtok: 2, output_per_mtok: 10 } } },
      keys: [
        { name: "shared", key: "sk-shared", budget: { usd: 1, period: "total" } },
        // a little over three worst cases (prompt estimate x 2 + 100 x 10 each)
        { name: "crowd", key: "sk-crowd", budget: { usd: 0.0035, period: "total" } },
        { name: "outage", key: "sk-outage", budget: { usd: 1, period: "total" } },
        { name: "shutdown", key: "sk-shutdown", budget: { usd: 1, period: "total" } },
      ],
      limits: { store: "redis", redis_url: redis.url, on_store_error: "open", default_max_tokens: 100 },
      resilience: { retries: 0 },
    });
    [a, b] = await startReplicas(configFile);
  }, 30_000);

  afterAll(async () => {
    await stopProcesses([a, b]);
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
    // each replica served two, and both scrapes show the four: the gauge reads the shared store
    for (const gateway of [a, b]) expect((await scrapeOf(gateway)).get('llm_gateway_budget_spent_usd{key="shared"}')).toBeCloseTo((4 * COST) / 1e6, 9);
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

  it("charges exactly what both replicas served while Redis was down, once, when it is back", async () => {
    const [ca, cb] = [client(a, "sk-outage"), client(b, "sk-outage")];
    // each replica charges one request and reads the settled budget before the outage
    fake.script({ reply: { text: "before", usage: { prompt: 5, completion: 5 } } }, { reply: { text: "before", usage: { prompt: 6, completion: 6 } } });
    await ca.chat.completions.create(hello);
    await spentMicros(ca);
    await cb.chat.completions.create(hello);
    const before = await spentMicros(cb);
    expect(before).toBe(fastCost(5, 5) + fastCost(6, 6));
    expect(await spentMicros(ca)).toBe(before);

    await redis.kill();
    const outage = [
      { via: a, prompt: 13, completion: 40, stream: "no" },
      { via: b, prompt: 21, completion: 5, stream: "with usage" },
      { via: a, prompt: 8, completion: 77, stream: "without usage" },
      { via: b, prompt: 30, completion: 12, stream: "no" },
      { via: a, prompt: 3, completion: 1, stream: "no" },
    ] as const;
    const charged = new Map<GatewayProcess, { count: number; micros: number }>([
      [a, { count: 0, micros: 0 }],
      [b, { count: 0, micros: 0 }],
    ]);
    for (const step of outage) {
      fake.script({ reply: { text: "served during the outage", usage: { prompt: step.prompt, completion: step.completion } } });
      const c = client(step.via, "sk-outage");
      let headers: Headers;
      if (step.stream === "no") {
        headers = (await c.chat.completions.create(hello).withResponse()).response.headers;
      } else {
        const options = step.stream === "with usage" ? { stream_options: { include_usage: true } } : {};
        const { data, response } = await c.chat.completions.create({ ...hello, stream: true, ...options }).withResponse();
        await drain(data);
        headers = response.headers;
      }
      // what the replica last read, less what it charged since; marked as not read now
      const mine = charged.get(step.via) ?? { count: 0, micros: 0 };
      expect(headers.get("x-llm-budget-remaining-usd")).toBe(usd(1_000_000 - before - mine.micros));
      expect(Date.parse(headers.get("x-llm-budget-as-of") ?? "")).toBeLessThanOrEqual(Date.now());
      mine.count += 1;
      mine.micros += fastCost(step.prompt, step.completion);
      // the settlement waits in the serving replica, in the outbox gauges
      await eventually(async () => {
        const scrape = await scrapeOf(step.via);
        expect(scrape.get("llm_gateway_budget_outbox_settlements")).toBe(mine.count);
        expect(scrape.get("llm_gateway_budget_outbox_usd")).toBeCloseTo(mine.micros / 1e6, 9);
      }, 10_000);
    }
    // the key's own view cannot be read: 503, still telling the last standing
    const unreadable = await apiError(ca.get("/key"));
    expect(unreadable.status).toBe(503);
    expect(unreadable.headers?.get("x-llm-budget-remaining-usd")).toBe(usd(1_000_000 - before - (charged.get(a)?.micros ?? 0)));

    await redis.restart(); // the append-only file brings back what was settled before
    const total = outage.reduce((sum, step) => sum + fastCost(step.prompt, step.completion), 0);
    await eventually(async () => expect(await spentMicros(ca)).toBe(before + total), 15_000);
    // and it stays counted once: the outboxes are empty and later retries change nothing
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await spentMicros(cb)).toBe(before + total);
    for (const gateway of [a, b]) {
      const scrape = await scrapeOf(gateway);
      expect(scrape.get("llm_gateway_budget_outbox_settlements")).toBe(0);
      expect(scrape.get('llm_gateway_budget_spent_usd{key="outage"}')).toBeCloseTo((before + total) / 1e6, 9);
    }
    const { response } = await cb.chat.completions.create(hello).withResponse();
    expect(response.headers.get("x-llm-budget-remaining-usd")).toBe(usd(1_000_000 - before - total));
    expect(response.headers.get("x-llm-budget-as-of")).toBeNull();
  }, 60_000);

  it("on shutdown during an outage waits for Redis to take what it holds, and names what it could not", async () => {
    /** A third replica that serves one request while Redis is down, then is told to stop. */
    async function stopHolding(usage: { prompt: number; completion: number }, whileStopping: () => Promise<void>): Promise<GatewayProcess> {
      const c = await startGatewayProcess(configFile);
      await redis.kill();
      fake.script({ reply: { text: "served, not yet counted", usage } });
      const { response } = await client(c, "sk-shutdown").chat.completions.create(hello).withResponse();
      // this replica never read the key's budget: it says nothing rather than guess
      expect(response.headers.get("x-llm-budget-remaining-usd")).toBeNull();
      await eventually(async () => expect((await scrapeOf(c)).get("llm_gateway_budget_outbox_settlements")).toBe(1), 10_000);
      c.kill("SIGTERM");
      await whileStopping();
      expect(await c.exited).toBe(0);
      return c;
    }
    const lostLine = "closing with budget settlements the limits store never took: that spend is not counted";

    // Redis is back within the wait: the settlement is taken before the process exits
    const flushed = await stopHolding({ prompt: 4, completion: 4 }, () => redis.restart());
    expect(flushed.lines.some((l) => l["msg"] === lostLine)).toBe(false);
    expect(await spentMicros(client(a, "sk-shutdown"))).toBe(fastCost(4, 4));

    // Redis stays down: after the wait the process says what is lost, by counter
    const lost = await stopHolding({ prompt: 9, completion: 9 }, () => Promise.resolve());
    expect(lost.lines.find((l) => l["msg"] === lostLine)).toMatchObject({
      settlements: 1,
      usd: fastCost(9, 9) / 1e6,
      counters: { "k:shutdown:budget:total:0": fastCost(9, 9) / 1e6 },
    });
    await redis.restart();
    expect(await spentMicros(client(a, "sk-shutdown"))).toBe(fastCost(4, 4));
  }, 60_000);
});
