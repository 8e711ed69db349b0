// The pipeline's cache and budget seams, driven over HTTP with the openai SDK: a cache hit is
// written by the front door without calling any upstream; a budget reservation is taken after
// admission, settled with the real usage, and its refusal stops the request before any upstream.
import { Writable } from "node:stream";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configFromObject } from "../../src/config/load.ts";
import { GatewayError } from "../../src/http/errors.ts";
import type { BudgetQuery, Budgets } from "../../src/pipeline/budget-seam.ts";
import type { CacheQuery, ResponseCache } from "../../src/pipeline/cache-seam.ts";
import type { TokenUsage } from "../../src/pipeline/front-door.ts";
import type { ChatCompletion } from "../../src/providers/types.ts";
import { startGateway, type RunningGateway } from "../../src/server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";

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
  const reserved: BudgetQuery[] = [];
  const settled: (TokenUsage | undefined)[] = [];
  let refuseBudget = false;

  const cache: ResponseCache = {
    open: (_operation, query) => {
      lookups.push(query);
      const hit = (query.req as { messages?: { content?: unknown }[] }).messages?.[0]?.content === "cached please";
      const result = { kind: "completion", completion: cached } as never;
      return hit ? Promise.resolve({ status: "hit", hit: { result, ageSeconds: 42 }, req: query.req, store: (r) => r, abandon: () => undefined }) : undefined;
    },
    close: () => Promise.resolve(),
  };
  const budgets: Budgets = {
    reserve(query) {
      if (refuseBudget) throw new GatewayError(429, "insufficient_quota", `budget of key '${query.keyName ?? ""}' is spent`, { code: "budget_exceeded", retryable: false });
      reserved.push(query);
      return { settle: (usage) => void settled.push(usage) };
    },
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
    running = await startGateway(config, { logger, port: 0, host: "127.0.0.1", pipeline: { cache, budgets } });
    client = new OpenAI({ apiKey: "sk-team", baseURL: `${running.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await running.stop(500);
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    lookups.length = 0;
    reserved.length = 0;
    settled.length = 0;
    refuseBudget = false;
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

  it("looks up a miss, calls the upstream, and settles the budget reservation with the real usage", async () => {
    fake.script({ reply: { text: "fresh", usage: { prompt: 11, completion: 7 } } });
    const res = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "fresh please" }] });
    expect(res.choices[0]?.message.content).toBe("fresh");
    expect(lookups).toHaveLength(1);
    expect(fake.chatRequests).toHaveLength(1);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ keyName: "team", model: { name: "fast" } });
    expect(settled).toEqual([{ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 }]);
  });

  it("stops a request whose budget reservation is refused before any upstream is called", async () => {
    refuseBudget = true;
    const err = await apiError(client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] }));
    expect(err.status).toBe(429);
    expect(err.code).toBe("budget_exceeded");
    expect(fake.requests).toHaveLength(0);
  });
});
