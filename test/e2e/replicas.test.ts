// Two gateway processes (`node src/index.ts --config F`) on their own ports share one Redis:
// a key's limit holds across both, and when Redis dies the fail-open replica keeps serving
// while the fail-closed one refuses with 503, until Redis is back and limits apply again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI, { APIError } from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually } from "../harness/gateway.ts";
import { PROCESS_BASE, startGatewayProcess, stopProcesses, writeConfig, type GatewayProcess } from "../harness/process.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

const hello = { model: "fast", messages: [{ role: "user" as const, content: "hello" }] };

async function status(client: OpenAI): Promise<number> {
  try {
    await client.chat.completions.create(hello);
    return 200;
  } catch (error) {
    const code: unknown = error instanceof APIError ? error.status : undefined;
    if (typeof code === "number") return code;
    throw error;
  }
}

describe.skipIf(!available)("replicas sharing Redis", () => {
  let redis: RedisServer;
  let fake: FakeUpstream;
  let open: GatewayProcess;
  let closed: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    fake = await startOpenAIFake();
    const config = (onStoreError: "open" | "closed") =>
      writeConfig({
        ...PROCESS_BASE,
        providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` } },
        models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
        keys: [{ name: "shared", key: "sk-shared", rpm: 4, max_concurrent: 10 }],
        limits: { store: "redis", redis_url: redis.url, on_store_error: onStoreError },
        resilience: { retries: 0 },
      });
    [open, closed] = await Promise.all([startGatewayProcess(config("open")), startGatewayProcess(config("closed"))]);
  }, 30_000);

  afterAll(async () => {
    await stopProcesses([open, closed]);
    await fake.close();
    await redis.stop();
  });

  const client = (gateway: GatewayProcess) => new OpenAI({ apiKey: "sk-shared", baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  it("enforces one combined limit, survives Redis dying as configured, and limits again once it is back", async () => {
    const a = client(open);
    const b = client(closed);

    const remaining: string[] = [];
    for (const c of [a, b, a, b]) {
      const { response } = await c.chat.completions.create(hello).withResponse();
      remaining.push(response.headers.get("x-ratelimit-remaining-requests") ?? "");
    }
    expect(remaining).toEqual(["3", "2", "1", "0"]);
    expect([await status(a), await status(b)]).toEqual([429, 429]);
    expect(fake.chatRequests).toHaveLength(4);

    await redis.kill();
    // fail-open serves without limits (and says so in its log); fail-closed refuses
    expect([await status(a), await status(a)]).toEqual([200, 200]);
    try {
      await b.chat.completions.create(hello);
      expect.unreachable("the fail-closed replica must refuse while Redis is down");
    } catch (error) {
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(503);
      expect((error as APIError).type).toBe("service_unavailable");
      expect((error as APIError).headers?.get("retry-after")).toBe("1");
    }
    expect(open.lines.some((l) => l["level"] === "warn" && String(l["msg"]).includes("rate-limit store unavailable"))).toBe(true);
    expect(fake.chatRequests).toHaveLength(6);

    await redis.restart(); // empty: the limit starts over
    await eventually(async () => expect(await status(b)).toBe(200), 15_000);
    // Each replica reconnects on its own schedule: until it has, the fail-open one serves
    // without limits (and without the headers), which does not count against the limit.
    await eventually(async () => {
      const { response } = await a.chat.completions.create(hello).withResponse();
      expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    }, 15_000);
    const after: string[] = [];
    for (const c of [b, a]) {
      const { response } = await c.chat.completions.create(hello).withResponse();
      after.push(response.headers.get("x-ratelimit-remaining-requests") ?? "");
    }
    expect(after).toEqual(["1", "0"]);
    expect([await status(a), await status(b)]).toEqual([429, 429]);
  }, 40_000);
});
