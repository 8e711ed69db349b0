// POST /v1/embeddings end to end: the real `openai` SDK (its default base64 and explicit float)
// and LangChain's OpenAIEmbeddings against fake OpenAI, Gemini and Ollama upstreams that answer
// deterministic vectors; what each upstream received, fallback, policy, limits, metrics and the
// 400s of bad input.
import { OpenAIEmbeddings } from "@langchain/openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeEmbedding, fakeTokenCount } from "../fakes/embedding-vectors.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";
import { eventually, requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { expectMoved, moved, scrape, seriesName } from "../telemetry/scrape.ts";

const EMBED_PRICE = { input_per_mtok: 0.02, output_per_mtok: 0 };
/** A vector as JSON numbers carry it (JSON has no -0). */
const asJson = (vectors: number[][]) => JSON.parse(JSON.stringify(vectors)) as number[][];

describe("POST /v1/embeddings", () => {
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let gemini: FakeUpstream;
  let ollama: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [primary, backup, gemini, ollama] = await Promise.all([startOpenAIFake(), startOpenAIFake(), startGeminiFake(), startOllamaFake()]);
    gw = await startTestGateway({
      providers: {
        primary: { type: "openai", api_key: "sk-up-primary", base_url: `${primary.origin}/v1` },
        backup: { type: "openai", api_key: "sk-up-backup", base_url: `${backup.origin}/v1` },
        gem: { type: "gemini", api_key: "g-up-key", base_url: gemini.origin },
        local: { type: "ollama", base_url: ollama.origin },
      },
      models: {
        chat: { targets: [{ provider: "primary", model: "gpt-4o-mini" }] },
        "embed-small": {
          kind: "embeddings",
          targets: [
            { provider: "primary", model: "text-embedding-3-small" },
            { provider: "backup", model: "text-embedding-3-small" },
          ],
          price: EMBED_PRICE,
        },
        "embed-gemini": { kind: "embeddings", targets: [{ provider: "gem", model: "gemini-embedding-001" }] },
        "embed-local": { kind: "embeddings", targets: [{ provider: "local", model: "nomic-embed-text" }] },
        "embed-anywhere": {
          kind: "embeddings",
          targets: [
            { provider: "primary", model: "shared-embedder", space: "shared" },
            { provider: "local", model: "shared-embedder", space: "shared" },
          ],
        },
      },
      routing: {
        default: "chat",
        detectors: [{ name: "secret-marker", pattern: "TOP SECRET", sensitivity: "confidential" }],
        rules: [{ name: "confidential-stays-local", when: { sensitivity: "confidential" }, allow_providers: ["local"] }],
      },
      keys: [
        { name: "team", key: "sk-team" },
        { name: "tight", key: "sk-tight", tpm: 30 },
      ],
      resilience: { retries: 0, backoff_ms: 0, max_backoff_ms: 0 },
    });
  });
  afterAll(() => stopAll(gw, primary, backup, gemini, ollama));
  beforeEach(() => resetAll(primary, backup, gemini, ollama));

  const client = (key = "sk-team") => gw.client(key);
  const body = (req: { body: unknown }) => req.body as Record<string, unknown>;

  describe("with the openai SDK", () => {
    it("answers its default base64 request with the exact float32 vectors, OpenAI's shape and usage", async () => {
      const texts = ["alpha", "beta gamma"];
      const { data, response } = await client().embeddings.create({ model: "embed-small", input: texts }).withResponse();
      expect(data.object).toBe("list");
      expect(data.model).toBe("embed-small");
      expect(data.data.map((d) => [d.object, d.index])).toEqual([["embedding", 0], ["embedding", 1]]);
      expect(data.data.map((d) => d.embedding)).toEqual(texts.map((t) => fakeEmbedding(t)));
      expect(data.usage).toEqual({ prompt_tokens: fakeTokenCount(texts), total_tokens: fakeTokenCount(texts) });
      expect(response.headers.get("x-llm-provider")).toBe("primary");
      expect(response.headers.get("x-llm-model")).toBe("text-embedding-3-small");
      expect(response.headers.get("x-llm-fallbacks")).toBe("0");

      const sent = primary.lastEmbed;
      expect(sent.path).toBe("/v1/embeddings");
      expect(sent.headers.authorization).toBe("Bearer sk-up-primary");
      expect(body(sent)).toMatchObject({ model: "text-embedding-3-small", input: texts, encoding_format: "base64" });
      expect(backup.requests).toHaveLength(0);
    });

    it("answers explicit float with JSON numbers at the asked width, passing dimensions upstream", async () => {
      const res = await client().embeddings.create({ model: "embed-small", input: "one text", encoding_format: "float", dimensions: 8 });
      expect(res.data).toHaveLength(1);
      expect(res.data[0]?.embedding).toEqual(fakeEmbedding("one text", 8));
      expect(body(primary.lastEmbed)).toMatchObject({ model: "text-embedding-3-small", input: "one text", encoding_format: "float", dimensions: 8 });
    });

    it("passes token-array input to an OpenAI upstream", async () => {
      const res = await client().embeddings.create({ model: "embed-small", input: [[1, 2, 3], [4, 5]], encoding_format: "float" });
      expect(res.data.map((d) => d.embedding)).toEqual([fakeEmbedding([1, 2, 3]), fakeEmbedding([4, 5])]);
      expect(body(primary.lastEmbed)["input"]).toEqual([[1, 2, 3], [4, 5]]);
    });

    it("converts a Gemini answer (JSON numbers, no usage) to base64 and estimates the usage", async () => {
      const texts = ["first document", "second one"];
      const res = await client().embeddings.create({ model: "embed-gemini", input: texts, dimensions: 12 });
      expect(res.data.map((d) => d.embedding)).toEqual(texts.map((t) => fakeEmbedding(t, 12)));
      expect(res.model).toBe("embed-gemini");
      expect(res.usage.prompt_tokens).toBeGreaterThan(0);
      expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);
      const sent = gemini.lastEmbed;
      expect(sent.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
      expect(sent.headers["x-goog-api-key"]).toBe("g-up-key");
      const requests = body(sent)["requests"] as Record<string, unknown>[];
      expect(requests).toHaveLength(2);
      expect(requests.map((r) => r["outputDimensionality"])).toEqual([12, 12]);
    });

    it("splits a Gemini batch at 100 inputs per call and keeps the order", async () => {
      const texts = Array.from({ length: 150 }, (_, i) => `text number ${i}`);
      const res = await client().embeddings.create({ model: "embed-gemini", input: texts, encoding_format: "float" });
      expect(res.data.map((d) => d.index)).toEqual(texts.map((_, i) => i));
      expect(res.data.map((d) => d.embedding)).toEqual(asJson(texts.map((t) => fakeEmbedding(t))));
      expect(gemini.embedRequests.map((r) => (body(r)["requests"] as unknown[]).length)).toEqual([100, 50]);
    });

    it("serves Ollama's /api/embed with its prompt_eval_count as usage", async () => {
      const texts = ["local one", "local two three"];
      const res = await client().embeddings.create({ model: "embed-local", input: texts });
      expect(res.data.map((d) => d.embedding)).toEqual(texts.map((t) => fakeEmbedding(t)));
      expect(res.usage.prompt_tokens).toBe(fakeTokenCount(texts));
      expect(ollama.lastEmbed.path).toBe("/api/embed");
      expect(body(ollama.lastEmbed)).toMatchObject({ model: "nomic-embed-text", input: texts });
    });
  });

  describe("with LangChain's OpenAIEmbeddings", () => {
    const embeddings = (model: string) => new OpenAIEmbeddings({ model, apiKey: "sk-team", configuration: { baseURL: gw.baseURL }, maxRetries: 0 });

    it.each([
      ["embed-small", () => primary],
      ["embed-gemini", () => gemini],
      ["embed-local", () => ollama],
    ])("embedQuery and embedDocuments on %s return the exact vectors", async (model, upstream) => {
      const lc = embeddings(model);
      expect(await lc.embedQuery("what is a vector?")).toEqual(fakeEmbedding("what is a vector?"));
      const docs = ["doc one", "doc two", "doc three"];
      expect(await lc.embedDocuments(docs)).toEqual(docs.map((d) => fakeEmbedding(d)));
      // One call per embedQuery and one batch for the documents.
      expect(upstream().embedRequests).toHaveLength(2);
    });
  });

  describe("resilience and policy", () => {
    it("falls back to the next target of the same model when the first fails", async () => {
      primary.script({ status: 500 });
      const { data, response } = await client().embeddings.create({ model: "embed-small", input: "fallback me", encoding_format: "float" }).withResponse();
      expect(data.data[0]?.embedding).toEqual(fakeEmbedding("fallback me"));
      expect(response.headers.get("x-llm-provider")).toBe("backup");
      expect(response.headers.get("x-llm-fallbacks")).toBe("1");
      expect(primary.embedRequests).toHaveLength(1);
      expect(body(backup.lastEmbed)).toMatchObject({ model: "text-embedding-3-small", input: "fallback me" });
    });

    it("never passes on an answer with the wrong vector count: the next target serves", async () => {
      primary.script({ embeddings: { count: 1 } });
      const { data, response } = await client().embeddings.create({ model: "embed-small", input: ["a", "b"], encoding_format: "float" }).withResponse();
      expect(data.data.map((d) => d.embedding)).toEqual([fakeEmbedding("a"), fakeEmbedding("b")]);
      expect(response.headers.get("x-llm-provider")).toBe("backup");
    });

    it("answers 502 when every target's answer is malformed", async () => {
      primary.script({ embeddings: { width: 3 } });
      backup.script({ embeddings: { width: 3 } });
      const err = await apiError(client().embeddings.create({ model: "embed-small", input: "x", dimensions: 4 }));
      expect(err.status).toBe(502);
    });

    it("embeds a confidential document only where policy allows, never on a cloud target", async () => {
      const res = await client().embeddings.create({ model: "embed-anywhere", input: ["public text", "TOP SECRET plans"], encoding_format: "float" }).withResponse();
      expect(res.response.headers.get("x-llm-provider")).toBe("local");
      expect(res.response.headers.get("x-llm-route")).toBe("confidential-stays-local");
      expect(primary.requests).toHaveLength(0);
      expect(body(ollama.lastEmbed)).toMatchObject({ model: "shared-embedder" });
      // Without the marker the first (cloud) target serves.
      await client().embeddings.create({ model: "embed-anywhere", input: "public text" });
      expect(primary.embedRequests).toHaveLength(1);
    });

    it("raises sensitivity from the x-llm-sensitivity header too", async () => {
      await client().embeddings.create({ model: "embed-anywhere", input: "plain" }, { headers: { "x-llm-sensitivity": "confidential" } });
      expect(primary.requests).toHaveLength(0);
      expect(ollama.embedRequests).toHaveLength(1);
    });

    it("refuses with 429 when the input alone exceeds the key's tokens per minute", async () => {
      const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
      const err = await apiError(client("sk-tight").embeddings.create({ model: "embed-small", input: long }));
      expect(err.status).toBe(429);
      expect(primary.requests).toHaveLength(0);
      const ok = await client("sk-tight").embeddings.create({ model: "embed-small", input: "short" }).withResponse();
      expect(ok.response.headers.get("x-ratelimit-limit-tokens")).toBe("30");
    });
  });

  describe("refusals", () => {
    it("refuses embeddings on a chat model, chat on an embeddings model and embeddings on auto, naming the model and its kind", async () => {
      const onChat = await apiError(client().embeddings.create({ model: "chat", input: "x" }));
      expect(onChat.status).toBe(400);
      expect(onChat.message).toContain("'chat' is a chat model");
      const onEmbed = await apiError(client().chat.completions.create({ model: "embed-small", messages: [{ role: "user", content: "hi" }] }));
      expect(onEmbed.status).toBe(400);
      expect(onEmbed.message).toContain("'embed-small' is an embeddings model");
      const onAuto = await apiError(client().embeddings.create({ model: "auto", input: "x" }));
      expect(onAuto.status).toBe(400);
      expect(onAuto.message).toContain("'auto' is a chat model");
      expect(primary.requests).toHaveLength(0);
    });

    it.each([
      [{ input: "" }, "input"],
      [{ input: [] }, "input"],
      [{ input: ["ok", ""] }, "input[1]"],
      [{ input: [1, 2.5] }, "input[1]"],
      [{ input: [[1], [-3]] }, "input[1][0]"],
      [{ input: ["text", 3] }, "input[1]"],
      [{ input: 42 }, "input"],
      [{}, "input"],
      [{ input: Array.from({ length: 2049 }, () => "x") }, "input"],
      [{ input: "x", encoding_format: "hex" }, "encoding_format"],
      [{ input: "x", dimensions: 0 }, "dimensions"],
      [{ input: "x", dimensions: 1.5 }, "dimensions"],
    ])("refuses %j with a 400 naming %s", async (fields, param) => {
      const res = await fetch(`${gw.baseURL}/embeddings`, {
        method: "POST",
        headers: { authorization: "Bearer sk-team", "content-type": "application/json" },
        body: JSON.stringify({ model: "embed-small", ...fields }),
      });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { type: string; param: string } };
      expect(json.error).toMatchObject({ type: "invalid_request_error", param });
      expect(primary.requests).toHaveLength(0);
    });

    it("lists models of both kinds in /v1/models", async () => {
      const ids = [];
      for await (const model of client().models.list()) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining(["chat", "embed-small", "embed-gemini", "embed-local", "auto"]));
    });

    it("is served without the /v1 prefix as well", async () => {
      const res = await fetch(`${gw.url}/embeddings`, {
        method: "POST",
        headers: { authorization: "Bearer sk-team", "content-type": "application/json" },
        body: JSON.stringify({ model: "embed-small", input: "no prefix", encoding_format: "float" }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { embedding: number[] }[] }).data[0]?.embedding).toEqual(fakeEmbedding("no prefix"));
    });
  });

  describe("telemetry", () => {
    it("counts the request under api=embeddings with prompt tokens, cost and timings, and logs the front door", async () => {
      const m = (name: string) => `llm_gateway_${name}`;
      const before = await scrape(`${gw.url}/metrics`);
      const lines = requestLines(gw).length;
      const texts = ["count me", "and me too"];
      await client().embeddings.create({ model: "embed-small", input: texts });
      await eventually(() => expect(requestLines(gw).length).toBe(lines + 1));
      const tokens = fakeTokenCount(texts);
      const labels = { model: "embed-small", provider: "primary" };
      const observed = (name: string, l: Record<string, string>) => ({
        [seriesName(m(`${name}_count`), l)]: 1,
        [seriesName(m(`${name}_bucket`), { ...l, le: "+Inf" })]: 1,
      });
      expectMoved(moved(before, await scrape(`${gw.url}/metrics`)), {
        [seriesName(m("requests_total"), { api: "embeddings", key: "team", ...labels, route: "none", status_class: "2xx", outcome: "success" })]: 1,
        [seriesName(m("tokens_total"), { key: "team", ...labels, upstream_model: "text-embedding-3-small", type: "prompt" })]: tokens,
        [seriesName(m("cost_usd_total"), { key: "team", model: "embed-small" })]: (tokens * EMBED_PRICE.input_per_mtok) / 1_000_000,
        ...observed("request_duration_seconds", { api: "embeddings", ...labels, outcome: "success" }),
        ...observed("gateway_overhead_seconds", { api: "embeddings", ...labels }),
        ...observed("upstream_duration_seconds", { provider: "primary", upstream_model: "text-embedding-3-small" }),
      });
      const line = requestLines(gw).at(-1);
      expect(line).toMatchObject({ api: "embeddings", path: "/v1/embeddings", model: "embed-small", provider: "primary", promptTokens: tokens, completionTokens: null });
    });
  });
});
