// The in-process tier holds at most `cache.max_bytes` of entries whatever the traffic: a flood
// of distinct large answers evicts the least recently used, and an answer above
// `max_entry_bytes` is not kept at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResponseCache, type GatewayCache } from "../../src/cache/response-cache.ts";
import { configFromObject } from "../../src/config/load.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

const MAX_BYTES = 256 * 1024;

describe("response cache memory bound", () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  let cache: GatewayCache;

  beforeAll(async () => {
    up = await startOpenAIFake();
    const raw = {
      providers: { up: { type: "openai", base_url: `${up.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true } },
      cache: { max_bytes: MAX_BYTES, max_entry_bytes: 64 * 1024 },
    };
    const config = configFromObject({ server: { host: "127.0.0.1", port: 0 }, ...raw }, "test", {});
    cache = createResponseCache(config.raw.cache, { events: { hit: () => undefined, miss: () => undefined }, onStoreError: () => undefined });
    gw = await startTestGateway(raw, {}, { pipeline: { cache } });
  });
  afterAll(() => stopAll(gw, up));

  it("stays within max_bytes under a flood of distinct large answers, evicting the oldest", async () => {
    const client = gw.client();
    const big = "x".repeat(20_000);
    for (let i = 0; i < 60; i++) {
      up.script({ reply: { text: `${i} ${big}` } });
      await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: `flood ${i}` }] });
      expect(cache.memory.bytes).toBeLessThanOrEqual(MAX_BYTES);
    }
    // About twelve 20 kB answers fit: the newest is still there, the first is long gone.
    expect(cache.memory.bytes).toBeGreaterThan(MAX_BYTES / 2);
    const newest = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "flood 59" }] }).withResponse();
    expect(newest.response.headers.get("x-llm-cache")).toBe("hit");
    const oldest = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "flood 0" }] }).withResponse();
    expect(oldest.response.headers.get("x-llm-cache")).toBe("miss");
  });

  it("does not keep an answer larger than max_entry_bytes", async () => {
    const client = gw.client();
    up.script({ reply: { text: "y".repeat(100_000) } });
    const body = { model: "fast", messages: [{ role: "user" as const, content: "too large to keep" }] };
    await client.chat.completions.create(body);
    expect((await client.chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("miss");
  });
});
