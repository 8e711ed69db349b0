// The pipeline's cache seam, driven over HTTP with the openai SDK: a cache hit is written by the
// front door without calling any upstream. (Budgets are part of admission; test/e2e/budgets.test.ts
// drives them.)
import { Writable } from "node:stream";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configFromObject } from "../../src/config/load.ts";
import type { CacheQuery, ResponseCache } from "../../src/pipeline/cache-seam.ts";
import type { ChatCompletion } from "../../src/providers/types.ts";
import { startGateway, type RunningGateway } from "../../src/server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";

const cached: ChatCompletion = {
  id: "chatcmpl-cached",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "fast",
  choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: "from the cache", refusal: null } }],
  usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
};

describe("pipeline seams", () => {
  let fake: FakeUpstream;
  let running: RunningGateway;
  let client: OpenAI;
  const lookups: CacheQuery<unknown>[] = [];

  const cache: ResponseCache = {
    open: (_operation, query) => {
      lookups.push(query);
      const hit = (query.req as { messages?: { content?: unknown }[] }).messages?.[0]?.content === "cached please";
      const result = { kind: "completion", completion: cached } as never;
      return hit ? Promise.resolve({ status: "hit", hit: { result, ageSeconds: 42 }, req: query.req, store: (r) => r, abandon: () => undefined }) : undefined;
    },
    close: () => Promise.resolve(),
  };

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const config = configFromObject(
      {
        server: { host: "127.0.0.1", port: 0 },
        providers: { up: { type: "openai", api_key: "sk-up", base_url: `${fake.origin}/v1` } },
        models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
        keys: [{ name: "team", key: "sk-team" }],
      },
      "test",
      {},
    );
    const logger = createLogger({ level: "error", format: "json" }, new Writable({ write: (_c, _e, done) => done() }));
    running = await startGateway(config, { logger, port: 0, host: "127.0.0.1", pipeline: { cache } });
    client = new OpenAI({ apiKey: "sk-team", baseURL: `${running.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await running.stop(500);
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    lookups.length = 0;
  });

  it("serves a cache hit through the front door without calling an upstream", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "fast", messages: [{ role: "user", content: "cached please" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("from the cache");
    expect(response.headers.get("x-llm-cache")).toBe("hit");
    expect(response.headers.get("age")).toBe("42");
    expect(fake.requests).toHaveLength(0);
    expect(lookups[0]).toMatchObject({ keyName: "team", decision: { model: { name: "fast" }, sensitivity: "public" } });
  });

  it("looks up a miss and calls the upstream", async () => {
    fake.script({ reply: { text: "fresh", usage: { prompt: 11, completion: 7 } } });
    const res = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "fresh please" }] });
    expect(res.choices[0]?.message.content).toBe("fresh");
    expect(lookups).toHaveLength(1);
    expect(fake.chatRequests).toHaveLength(1);
  });
});
