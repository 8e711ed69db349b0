// Two gateway processes on one Redis (limits.store: redis): a response stored through one is
// continued, read and deleted through the other, and stays invisible to another key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";
import { PROCESS_BASE, startReplicas, stopProcesses, writeConfig, type GatewayProcess } from "../harness/process.ts";
import { REDIS_MISSING_MESSAGE, redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";

const available = redisServerAvailable();
if (!available) console.warn(REDIS_MISSING_MESSAGE);

describe.skipIf(!available)("stored Responses shared by replicas through Redis", () => {
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
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
      keys: [
        { name: "alice", key: "sk-alice" },
        { name: "bob", key: "sk-bob" },
      ],
      limits: { store: "redis", redis_url: redis.url },
      responses: { ttl_s: 600 },
      resilience: { retries: 0 },
    });
    [one, two] = await startReplicas(config);
  }, 30_000);

  afterAll(async () => {
    await stopProcesses([one, two]);
    await fake.close();
    await redis.stop();
  });

  const client = (gateway: GatewayProcess, key = "sk-alice") => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  it("continues on one replica what was created on the other", async () => {
    fake.script({ reply: { text: "Hello Ada." } }, { reply: { text: "You are Ada." } });
    const first = await client(one).responses.create({ model: "fast", input: "I am Ada." });
    const second = await client(two).responses.create({ model: "fast", input: "Who am I?", previous_response_id: first.id });
    expect(second.output_text).toBe("You are Ada.");
    expect((fake.lastChat.body as { messages: unknown[] }).messages).toEqual([
      { role: "user", content: "I am Ada." },
      { role: "assistant", content: "Hello Ada." },
      { role: "user", content: "Who am I?" },
    ]);
    expect((await client(two).responses.retrieve(first.id)).output_text).toBe("Hello Ada.");
    expect((await apiError(client(two, "sk-bob").responses.retrieve(first.id))).status).toBe(404);
    await client(two).responses.delete(first.id);
    expect((await apiError(client(one).responses.retrieve(first.id))).status).toBe(404);
  });
});
