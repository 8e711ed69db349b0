// The response cache end to end, in one process with the in-memory tier: the real openai SDK
// (and plain HTTP where the wire itself is checked) against fake upstreams, asserting what the
// upstream was asked as well as what the client got.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError, streamText } from "../harness/client-calls.ts";
import { requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { expectValidChunks, foldChunks, readSse } from "../harness/sse-chunks.ts";
import { scrape } from "../telemetry/scrape.ts";

/** A prompt no other test sends, so entries never cross tests. */
const fresh = (label: string) => `${label} ${randomUUID()}`;
const ask = (content: string, model = "fast") => ({ model, messages: [{ role: "user" as const, content }] });

describe("response cache", () => {
  let up: FakeUpstream;
  let down: FakeUpstream;
  let local: FakeUpstream;
  let gw: TestGateway;
  let now = Date.now();

  beforeAll(async () => {
    [up, down, local] = await Promise.all([startOpenAIFake(), startOpenAIFake(), startOllamaFake()]);
    gw = await startTestGateway(
      {
        providers: {
          up: { type: "openai", api_key: "sk-up", base_url: `${up.origin}/v1` },
          down: { type: "openai", api_key: "sk-down", base_url: `${down.origin}/v1` },
          local: { type: "ollama", base_url: local.origin },
        },
        models: {
          fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true },
          plain: { targets: [{ provider: "up", model: "gpt-4o-mini" }] },
          common: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: { shared: true } },
          brief: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: { ttl_s: 30 } },
          sturdy: { targets: [{ provider: "down", model: "gpt-4o" }, { provider: "up", model: "gpt-4o-mini" }], cache: true },
          llama: { targets: [{ provider: "local", model: "llama3.2" }], cache: true },
          vectors: { kind: "embeddings", targets: [{ provider: "up", model: "text-embedding-3-small" }], cache: true },
        },
        routing: { detectors: [{ name: "secret-marker", pattern: "TOP SECRET", sensitivity: "confidential" }] },
        keys: [
          { name: "team-a", key: "sk-a" },
          { name: "team-b", key: "sk-b" },
          { name: "metered", key: "sk-metered", rpm: 3, tpm: 100_000 },
        ],
        cache: { ttl_s: 600, fallback_ttl_s: 20 },
        resilience: { retries: 0, backoff_ms: 0, max_backoff_ms: 0 },
      },
      {},
      { cacheClock: () => now },
    );
  });
  afterAll(() => stopAll(gw, up, down, local));
  beforeEach(() => {
    resetAll(up, down, local);
    now = Date.now();
  });

  const a = () => gw.client("sk-a");
  const b = () => gw.client("sk-b");

  describe("hits and misses", () => {
    it("answers a repeated request from the cache: miss then hit, with age, one upstream call, counted and logged", async () => {
      const before = await scrape(`${gw.url}/metrics`);
      const body = ask(fresh("capital of France?"));
      const first = await a().chat.completions.create(body).withResponse();
      now += 7_000;
      const second = await a().chat.completions.create(body).withResponse();

      expect(first.response.headers.get("x-llm-cache")).toBe("miss");
      expect(first.response.headers.get("age")).toBeNull();
      expect(second.response.headers.get("x-llm-cache")).toBe("hit");
      expect(second.response.headers.get("age")).toBe("7");
      expect(up.chatRequests).toHaveLength(1);
      expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
      expect(second.data.model).toBe(first.data.model);
      expect(second.data.usage).toEqual(first.data.usage);
      expect(second.data.id).toMatch(/^chatcmpl-/);
      expect(second.data.id).not.toBe(first.data.id);

      const after = await scrape(`${gw.url}/metrics`);
      const hits = 'llm_gateway_cache_hits_total{api="chat",model="fast",tier="memory"}';
      const misses = 'llm_gateway_cache_misses_total{api="chat",model="fast",tier="memory"}';
      expect((after.get(hits) ?? 0) - (before.get(hits) ?? 0)).toBe(1);
      expect((after.get(misses) ?? 0) - (before.get(misses) ?? 0)).toBe(1);
      expect(requestLines(gw).slice(-2).map((line) => line["cache"])).toEqual(["miss", "hit"]);
    });

    it("says nothing and stores nothing for a model that does not cache", async () => {
      const body = ask(fresh("uncached"), "plain");
      const first = await a().chat.completions.create(body).withResponse();
      await a().chat.completions.create(body);
      expect(first.response.headers.get("x-llm-cache")).toBeNull();
      expect(up.chatRequests).toHaveLength(2);
    });

    it("charges a hit one request of the key's rpm and no tokens", async () => {
      const client = gw.client("sk-metered");
      const body = ask(fresh("metered"));
      const miss = await client.chat.completions.create(body).withResponse();
      const hit = await client.chat.completions.create(body).withResponse();
      expect(hit.response.headers.get("x-llm-cache")).toBe("hit");
      expect(Number(miss.response.headers.get("x-ratelimit-remaining-requests"))).toBe(2);
      expect(Number(hit.response.headers.get("x-ratelimit-remaining-requests"))).toBe(1);
      // The miss reserved and then settled its real usage; the hit reserved nothing, settled nothing.
      const tokensAfterMiss = Number(miss.response.headers.get("x-ratelimit-remaining-tokens"));
      const third = await client.chat.completions.create(body).withResponse();
      expect(Number(third.response.headers.get("x-ratelimit-remaining-tokens"))).toBeGreaterThanOrEqual(tokensAfterMiss);
      expect((await apiError(client.chat.completions.create(body))).status).toBe(429);
      expect(up.chatRequests).toHaveLength(1);
    });
  });

  describe("JSON and streams share entries", () => {
    it("serves a JSON miss as a valid stream, with the usage chunk only when asked", async () => {
      const content = fresh("json first");
      up.script({ reply: { text: "A long answer that a replay splits into several pieces, like a live stream would arrive in pieces.", usage: { prompt: 9, completion: 20 } } });
      const json = await a().chat.completions.create(ask(content));

      const plain = await readSse(`${gw.baseURL}/chat/completions`, "sk-a", ask(content));
      expect(plain.headers.get("x-llm-cache")).toBe("hit");
      expectValidChunks(plain.chunks, false);
      expect(plain.chunks.length).toBeGreaterThan(3);
      expect(foldChunks(plain.chunks)).toMatchObject({ text: json.choices[0]?.message.content, finish: "stop" });

      const withUsage = await readSse(`${gw.baseURL}/chat/completions`, "sk-a", { ...ask(content), stream_options: { include_usage: true } });
      expectValidChunks(withUsage.chunks, true);
      expect(withUsage.chunks.at(-1)?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 20, total_tokens: 29 });

      const sdkText = await streamText(await a().chat.completions.create({ ...ask(content), stream: true }));
      expect(sdkText).toBe(json.choices[0]?.message.content);
      expect(up.chatRequests).toHaveLength(1);
    });

    it("stores a stream miss folded into one completion and serves it as JSON", async () => {
      const content = fresh("stream first");
      up.script({ reply: { text: "Streamed words arrive one by one.", usage: { prompt: 5, completion: 6 } } });
      const text = await streamText(await a().chat.completions.create({ ...ask(content), stream: true }));
      const { data, response } = await a().chat.completions.create(ask(content)).withResponse();
      expect(response.headers.get("x-llm-cache")).toBe("hit");
      expect(data.choices[0]?.message.content).toBe(text);
      expect(data.choices[0]?.finish_reason).toBe("stop");
      expect(data.object).toBe("chat.completion");
      // The gateway asked the upstream for usage on the client's behalf: the entry has it.
      expect(data.usage).toEqual({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
      expect(up.chatRequests).toHaveLength(1);
    });

    it("keeps tool calls both ways: stream miss to JSON hit, JSON miss to stream hit", async () => {
      const calls = [
        { id: "call_1", name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
        { id: "call_2", name: "get_time", arguments: { zone: "Europe/Paris" } },
      ];
      const tools = [
        { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
        { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string" } } } } },
      ];
      const streamed = { ...ask(fresh("tools via stream")), tools };
      up.script({ reply: { text: "", toolCalls: calls, finish: "tool_calls" } });
      const missChunks = await readSse(`${gw.baseURL}/chat/completions`, "sk-a", streamed);
      expectValidChunks(missChunks.chunks, false);
      const hit = await a().chat.completions.create(streamed);
      expect(hit.choices[0]?.finish_reason).toBe("tool_calls");
      expect(hit.choices[0]?.message.tool_calls?.map((c) => (c.type === "function" ? [c.id, c.function.name, JSON.parse(c.function.arguments) as unknown] : []))).toEqual(
        calls.map((c) => [c.id, c.name, c.arguments]),
      );

      const asJson = { ...ask(fresh("tools via json")), tools };
      up.script({ reply: { text: "", toolCalls: calls, finish: "tool_calls" } });
      await a().chat.completions.create(asJson);
      const replay = await readSse(`${gw.baseURL}/chat/completions`, "sk-a", asJson);
      expect(replay.headers.get("x-llm-cache")).toBe("hit");
      expectValidChunks(replay.chunks, false);
      const folded = foldChunks(replay.chunks);
      expect(folded.finish).toBe("tool_calls");
      expect(folded.tools.map((t) => [t.id, t.name, JSON.parse(t.arguments) as unknown])).toEqual(calls.map((c) => [c.id, c.name, c.arguments]));
      expect(up.chatRequests).toHaveLength(2);
    });

    it("caches the translated lane too (an Ollama stream, then JSON)", async () => {
      const content = fresh("local model");
      const text = await streamText(await a().chat.completions.create({ ...ask(content, "llama"), stream: true }));
      const { data, response } = await a().chat.completions.create(ask(content, "llama")).withResponse();
      expect(response.headers.get("x-llm-cache")).toBe("hit");
      expect(data.choices[0]?.message.content).toBe(text);
      expect(data.model).toBe("llama");
      expect(local.chatRequests).toHaveLength(1);
    });
  });

  describe("the key", () => {
    it("never answers another key, unless the model shares its entries", async () => {
      const body = ask(fresh("isolated"));
      await a().chat.completions.create(body);
      const other = await b().chat.completions.create(body).withResponse();
      expect(other.response.headers.get("x-llm-cache")).toBe("miss");
      expect(up.chatRequests).toHaveLength(2);

      const shared = ask(fresh("shared"), "common");
      await a().chat.completions.create(shared);
      const sharedHit = await b().chat.completions.create(shared).withResponse();
      expect(sharedHit.response.headers.get("x-llm-cache")).toBe("hit");
      expect(up.chatRequests).toHaveLength(3);
    });

    it("hits whatever the order of the body's object keys", async () => {
      const content = fresh("order");
      const send = (body: string) =>
        fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-a" }, body });
      const first = await send(`{"model":"fast","temperature":0.2,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"messages":[{"role":"user","content":${JSON.stringify(content)}}]}`);
      const second = await send(`{"messages":[{"content":${JSON.stringify(content)},"role":"user"}],"response_format":{"json_schema":{"schema":{"type":"object"},"name":"x"},"type":"json_schema"},"temperature":0.2,"model":"fast"}`);
      expect(first.headers.get("x-llm-cache")).toBe("miss");
      expect(second.headers.get("x-llm-cache")).toBe("hit");
      expect(up.chatRequests).toHaveLength(1);
    });

    it("has every field that changes the answer in it", async () => {
      const base = ask(fresh("fields in"));
      const tool = { type: "function" as const, function: { name: "f", parameters: { type: "object" } } };
      const variants = [
        base,
        { ...base, temperature: 0.5 },
        { ...base, top_p: 0.5 },
        { ...base, seed: 7 },
        { ...base, stop: ["x"] },
        { ...base, n: 2 },
        { ...base, max_tokens: 10 },
        { ...base, max_completion_tokens: 10 },
        { ...base, reasoning_effort: "low" as const },
        { ...base, response_format: { type: "json_object" as const } },
        { ...base, tools: [tool] },
        { ...base, tools: [tool], tool_choice: "required" as const },
        { ...base, messages: [{ role: "system" as const, content: "be brief" }, ...base.messages] },
        { ...base, frequency_penalty: 0.1 },
        { ...base, logprobs: true },
      ];
      for (const body of variants) {
        const { response } = await a().chat.completions.create(body).withResponse();
        expect(response.headers.get("x-llm-cache"), JSON.stringify(body)).toBe("miss");
      }
      expect(up.chatRequests).toHaveLength(variants.length);
    });

    it("leaves out what never changes the answer: user, metadata, stream options, client headers", async () => {
      const base = ask(fresh("fields out"));
      await a().chat.completions.create(base);
      const variants = [
        { ...base, user: "someone" },
        { ...base, metadata: { run: "42" } },
        { ...base, store: false },
      ];
      for (const body of variants) {
        const { response } = await a().chat.completions.create(body, { headers: { "x-request-id": randomUUID(), "x-stainless-retry-count": "1" } }).withResponse();
        expect(response.headers.get("x-llm-cache"), JSON.stringify(body)).toBe("hit");
      }
      const streamed = await readSse(`${gw.baseURL}/chat/completions`, "sk-a", { ...base, stream_options: { include_usage: true } });
      expect(streamed.headers.get("x-llm-cache")).toBe("hit");
      expect(up.chatRequests).toHaveLength(1);
    });
  });

  describe("request controls", () => {
    it("no-store neither reads nor writes; no-cache skips the read and stores the fresh answer", async () => {
      const body = ask(fresh("controls"));
      up.script({ reply: { text: "first answer" } }, { reply: { text: "not kept" } }, { reply: { text: "refreshed answer" } });
      await a().chat.completions.create(body);

      const bypass = await a().chat.completions.create(body, { headers: { "cache-control": "no-store" } }).withResponse();
      expect(bypass.response.headers.get("x-llm-cache")).toBe("bypass");
      expect(bypass.data.choices[0]?.message.content).toBe("not kept");
      expect((await a().chat.completions.create(body)).choices[0]?.message.content).toBe("first answer");

      const refresh = await a().chat.completions.create(body, { headers: { "cache-control": "no-cache" } }).withResponse();
      expect(refresh.response.headers.get("x-llm-cache")).toBe("refresh");
      expect(refresh.data.choices[0]?.message.content).toBe("refreshed answer");
      const after = await a().chat.completions.create(body).withResponse();
      expect(after.response.headers.get("x-llm-cache")).toBe("hit");
      expect(after.data.choices[0]?.message.content).toBe("refreshed answer");
      expect(up.chatRequests).toHaveLength(3);
    });

    it("no-store passes a stream through and keeps nothing of it", async () => {
      const body = ask(fresh("streamed bypass"));
      up.script({ reply: { text: "streamed, not kept" } }, { reply: { text: "asked again" } });
      const streamed = await a().chat.completions.create({ ...body, stream: true }, { headers: { "cache-control": "no-store" } }).withResponse();
      expect(streamed.response.headers.get("x-llm-cache")).toBe("bypass");
      expect(await streamText(streamed.data)).toBe("streamed, not kept");
      const next = await a().chat.completions.create(body).withResponse();
      expect(next.response.headers.get("x-llm-cache")).toBe("miss");
      expect(next.data.choices[0]?.message.content).toBe("asked again");
      expect(up.chatRequests).toHaveLength(2);
    });

    it("max-age=N accepts only entries up to N seconds old", async () => {
      const body = ask(fresh("max age"));
      await a().chat.completions.create(body);
      now += 30_000;
      const young = await a().chat.completions.create(body, { headers: { "cache-control": "max-age=60" } }).withResponse();
      expect(young.response.headers.get("x-llm-cache")).toBe("hit");
      const old = await a().chat.completions.create(body, { headers: { "cache-control": "max-age=10" } }).withResponse();
      expect(old.response.headers.get("x-llm-cache")).toBe("miss");
      expect(up.chatRequests).toHaveLength(2);
    });

    it("expires entries after the model's TTL", async () => {
      const body = ask(fresh("ttl"), "brief");
      await a().chat.completions.create(body);
      now += 29_000;
      expect((await a().chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("hit");
      now += 2_000;
      expect((await a().chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("miss");
      expect(up.chatRequests).toHaveLength(2);
    });
  });

  describe("what is never stored", () => {
    it("an upstream error", async () => {
      const body = ask(fresh("error"));
      up.script({ status: 500 });
      expect((await apiError(a().chat.completions.create(body))).status).toBe(502);
      const next = await a().chat.completions.create(body).withResponse();
      expect(next.response.headers.get("x-llm-cache")).toBe("miss");
      expect(next.data.choices[0]?.message.content).toBe("Hello from the fake upstream.");
      expect(up.chatRequests).toHaveLength(2);
    });

    it("a stream cut mid-way, or ended by an error event", async () => {
      for (const fault of [{ cutAfterFrames: 3 }, { errorAfterFrames: 3 }]) {
        const body = { ...ask(fresh("cut")), stream: true as const };
        up.reset().script({ ...fault, reply: { text: "one two three four five six seven" } });
        await streamText(await a().chat.completions.create(body)).catch(() => undefined);
        const next = await a().chat.completions.create({ ...body, stream: false }).withResponse();
        expect(next.response.headers.get("x-llm-cache"), JSON.stringify(fault)).toBe("miss");
        expect(up.chatRequests).toHaveLength(2);
      }
    });

    it("a stream the client left part-way", async () => {
      const body = { ...ask(fresh("left")), stream: true as const };
      up.script({ reply: { text: "one two three four five six seven eight" }, chunkIntervalMs: 30 });
      const controller = new AbortController();
      const stream = await a().chat.completions.create(body, { signal: controller.signal });
      try {
        for await (const _chunk of stream) controller.abort();
      } catch {
        // the client went away
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = await a().chat.completions.create({ ...body, stream: false }).withResponse();
      expect(next.response.headers.get("x-llm-cache")).toBe("miss");
    });

    it("keeps an answer served by a fallback target only fallback_ttl_s", async () => {
      const body = ask(fresh("fallback"), "sturdy");
      down.script({ status: 503 });
      const served = await a().chat.completions.create(body).withResponse();
      expect(served.response.headers.get("x-llm-fallbacks")).toBe("1");
      now += 15_000;
      expect((await a().chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("hit");
      now += 6_000;
      const later = await a().chat.completions.create(body).withResponse();
      expect(later.response.headers.get("x-llm-cache")).toBe("miss");
      expect(later.response.headers.get("x-llm-fallbacks")).toBe("0");
      // The primary's own answer lives the model's full TTL.
      now += 300_000;
      expect((await a().chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("hit");
    });
  });

  describe("confidential requests", () => {
    it("are cached per key only, even for a shared model", async () => {
      const body = ask(fresh("TOP SECRET plans"), "common");
      await a().chat.completions.create(body);
      expect((await a().chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("hit");
      expect((await b().chat.completions.create(body).withResponse()).response.headers.get("x-llm-cache")).toBe("miss");
      expect(up.chatRequests).toHaveLength(2);
    });
  });

  describe("coalescing identical misses", () => {
    it("makes one upstream call for five identical JSON requests in flight together", async () => {
      const body = ask(fresh("together"));
      up.script({ delayMs: 200, reply: { text: "one answer for all" } });
      const answers = await Promise.all(Array.from({ length: 5 }, () => a().chat.completions.create(body).withResponse()));
      expect(up.chatRequests).toHaveLength(1);
      expect(answers.map((r) => r.data.choices[0]?.message.content)).toEqual(Array(5).fill("one answer for all"));
      expect(answers.map((r) => r.response.headers.get("x-llm-cache")).sort()).toEqual(["hit", "hit", "hit", "hit", "miss"]);
    });

    it("makes one upstream call for five identical streams, the followers reading as chunks arrive", async () => {
      const content = fresh("streams together");
      up.script({ chunkIntervalMs: 20, reply: { text: "every follower reads the same words as they come" } });
      const reads = await Promise.all(
        Array.from({ length: 5 }, (_, i) => readSse(`${gw.baseURL}/chat/completions`, "sk-a", { ...ask(content), ...(i % 2 === 0 ? { stream_options: { include_usage: true } } : {}) })),
      );
      expect(up.chatRequests).toHaveLength(1);
      reads.forEach((read, i) => {
        expectValidChunks(read.chunks, i % 2 === 0);
        expect(foldChunks(read.chunks).text).toBe("every follower reads the same words as they come");
      });
    });

    it("a JSON request follows a stream in flight, and a stream follows a JSON request", async () => {
      const content = fresh("mixed");
      up.script({ chunkIntervalMs: 20, reply: { text: "mixed forms share one call" } });
      const [streamed, json] = await Promise.all([
        readSse(`${gw.baseURL}/chat/completions`, "sk-a", ask(content)),
        new Promise((resolve) => setTimeout(resolve, 30)).then(() => a().chat.completions.create(ask(content))),
      ]);
      expect(foldChunks(streamed.chunks).text).toBe("mixed forms share one call");
      expect(json.choices[0]?.message.content).toBe("mixed forms share one call");
      expect(up.chatRequests).toHaveLength(1);
    });

    it("lets each waiting request go upstream on its own when the leader fails", async () => {
      const body = ask(fresh("leader fails"));
      up.script({ delayMs: 150, status: 500 });
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => a().chat.completions.create(body)));
      expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
      expect(up.chatRequests).toHaveLength(5);
    });

    it("a waiting request whose client leaves stops waiting, and the others are served", async () => {
      const body = ask(fresh("waiter leaves"));
      up.script({ delayMs: 2_000 });
      const leader = a().chat.completions.create(body);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const controller = new AbortController();
      const follower = a().chat.completions.create(body, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(follower).rejects.toThrow();
      expect((await leader).choices[0]?.message.content).toBe("Hello from the fake upstream.");
      expect(up.chatRequests).toHaveLength(1);
    });
  });

  describe("embeddings", () => {
    it("caches per input: only the uncached texts go upstream, the answer keeps the input order and the asked encoding", async () => {
      const [x, y, z] = [fresh("alpha"), fresh("beta"), fresh("gamma")];
      const first = await a().embeddings.create({ model: "vectors", input: [x, y], encoding_format: "float" });
      const second = await a().embeddings.create({ model: "vectors", input: [z, x, y], encoding_format: "float" });
      expect(up.embedRequests.map((r) => (r.body as { input: unknown }).input)).toEqual([[x, y], [z]]);
      expect(second.data.map((d) => d.index)).toEqual([0, 1, 2]);
      expect(second.data[1]?.embedding).toEqual(first.data[0]?.embedding);
      expect(second.data[2]?.embedding).toEqual(first.data[1]?.embedding);

      // The SDK's default asks for base64 and decodes it: the same vectors, all from the cache.
      const { data, response } = await a().embeddings.create({ model: "vectors", input: [y, z, x] }).withResponse();
      expect(response.headers.get("x-llm-cache")).toBe("hit");
      expect(up.embedRequests).toHaveLength(2);
      expect(data.data.map((d) => d.embedding)).toEqual([second.data[2]?.embedding, second.data[0]?.embedding, second.data[1]?.embedding].map((v) => v?.map((n) => Math.fround(n))));
    });

    it("says how many inputs the cache served: x-llm-cache-hits on a partial miss and a hit", async () => {
      const [x, y, z] = [fresh("one"), fresh("two"), fresh("three")];
      const first = await a().embeddings.create({ model: "vectors", input: [x, y] }).withResponse();
      const partial = await a().embeddings.create({ model: "vectors", input: [x, z, y] }).withResponse();
      const full = await a().embeddings.create({ model: "vectors", input: [z, y, x] }).withResponse();
      const headers = [first, partial, full].map((r) => [r.response.headers.get("x-llm-cache"), r.response.headers.get("x-llm-cache-hits")]);
      expect(headers).toEqual([
        ["miss", "0/2"],
        ["miss", "2/3"],
        ["hit", "3/3"],
      ]);
      const bypass = await a().embeddings.create({ model: "vectors", input: [x] }, { headers: { "cache-control": "no-store" } }).withResponse();
      expect(bypass.response.headers.get("x-llm-cache")).toBe("bypass");
      expect(bypass.response.headers.get("x-llm-cache-hits")).toBeNull();
      expect(up.embedRequests.map((r) => (r.body as { input: unknown }).input)).toEqual([[x, y], [z], [x]]);
    });

    it("makes one upstream call for five identical batches in flight together", async () => {
      const input = [fresh("together a"), fresh("together b")];
      up.script({ delayMs: 200 });
      const answers = await Promise.all(Array.from({ length: 5 }, () => a().embeddings.create({ model: "vectors", input, encoding_format: "float" }).withResponse()));
      expect(up.embedRequests).toHaveLength(1);
      expect(answers.map((r) => r.response.headers.get("x-llm-cache")).sort()).toEqual(["hit", "hit", "hit", "hit", "miss"]);
      for (const answer of answers) expect(answer.data.data.map((d) => d.embedding)).toEqual(answers[0]?.data.data.map((d) => d.embedding));
    });

    it("shares in-flight texts between batches: the second batch sends only the text no one is fetching", async () => {
      const [x, y, z] = [fresh("shared x"), fresh("shared y"), fresh("own z")];
      up.script({ delayMs: 200 });
      const first = a().embeddings.create({ model: "vectors", input: [x, y], encoding_format: "float" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = await a().embeddings.create({ model: "vectors", input: [y, z], encoding_format: "float" }).withResponse();
      expect(up.embedRequests.map((r) => (r.body as { input: unknown }).input)).toEqual([[x, y], [z]]);
      expect(second.response.headers.get("x-llm-cache-hits")).toBe("1/2");
      expect(second.data.data[0]?.embedding).toEqual((await first).data[1]?.embedding);
    });

    it("lets each waiting batch go upstream on its own when the leader fails, and a waiting client may leave", async () => {
      const input = [fresh("leader fails")];
      up.script({ delayMs: 150, status: 500 });
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => a().embeddings.create({ model: "vectors", input })));
      expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
      expect(up.embedRequests).toHaveLength(5);

      up.reset();
      const slow = [fresh("waiter leaves")];
      up.script({ delayMs: 2_000 });
      const leader = a().embeddings.create({ model: "vectors", input: slow });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const controller = new AbortController();
      const follower = a().embeddings.create({ model: "vectors", input: slow }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(follower).rejects.toThrow();
      expect((await leader).data).toHaveLength(1);
      expect(up.embedRequests).toHaveLength(1);
    });

    it("keeps dimensions in the key", async () => {
      const text = fresh("width");
      await a().embeddings.create({ model: "vectors", input: text, dimensions: 8 });
      const wider = await a().embeddings.create({ model: "vectors", input: text, dimensions: 12 }).withResponse();
      expect(wider.response.headers.get("x-llm-cache")).toBe("miss");
      expect(wider.data.data[0]?.embedding).toHaveLength(12);
      expect(up.embedRequests).toHaveLength(2);
    });
  });
});
