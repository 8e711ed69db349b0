// Gemini embeddings: the pure translation (with a recorded batchEmbedContents answer) and the
// adapter against the fake Gemini API over real HTTP, through the real @google/genai SDK.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkEmbeddings } from "../../../src/providers/embeddings-check.ts";
import { fromGeminiEmbeddings, toGeminiEmbedCalls, type GeminiEmbedResponse } from "../../../src/providers/gemini/embed.ts";
import { createGeminiAdapter } from "../../../src/providers/gemini/index.ts";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import type { CallOptions, EmbeddingsRequest, ProviderAdapter } from "../../../src/providers/types.ts";
import { fakeEmbedding } from "../../fakes/embedding-vectors.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { startGeminiFake } from "../../fakes/gemini.ts";
import { callOptionsWith, closeInOrder, rejectionOf, upstreamRejection } from "../../harness/adapter-calls.ts";

const API_KEY = "AIza-embed-key";
const recorded = JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/gemini/batch-embed-contents.json"), "utf8")) as GeminiEmbedResponse;

let fake: FakeUpstream;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startGeminiFake();
  adapter = createGeminiAdapter("gem", { type: "gemini", api_key: API_KEY, base_url: fake.origin, headers: { "x-team": "search" } });
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, fake));

const call = callOptionsWith({ requestId: "req-gem-emb", publicModel: "embed-gem" });
const request = (extra: Partial<EmbeddingsRequest> & Record<string, unknown> = {}): EmbeddingsRequest => ({
  model: "embed-gem",
  input: ["the quick fox", "a lazy dog"],
  ...extra,
});
const embed = (req: EmbeddingsRequest, model = "gemini-embedding-001", over: Partial<CallOptions> = {}) => {
  if (!adapter.embed) throw new Error("the Gemini adapter has no embed");
  return adapter.embed(req, model, call(over));
};

interface BatchBody {
  requests: { model: string; content: { parts: { text: string }[]; role?: string }; outputDimensionality?: number }[];
}
const batchOf = (i: number) => fake.embedRequests[i]?.body as BatchBody;

describe("gemini embeddings translation", () => {
  it("makes one content per input, split at 100 per call, dimensions as outputDimensionality", () => {
    const texts = Array.from({ length: 230 }, (_, i) => `text ${i}`);
    const calls = toGeminiEmbedCalls(request({ input: texts, dimensions: 768 }), "gemini-embedding-001", "gem");
    expect(calls.map((c) => (c.contents as unknown[]).length)).toEqual([100, 100, 30]);
    expect(calls[2]).toEqual({
      model: "gemini-embedding-001",
      contents: texts.slice(200).map((text) => ({ parts: [{ text }] })),
      config: { outputDimensionality: 768 },
    });
  });

  it("reads a recorded answer in order, with no usage", () => {
    const calls = toGeminiEmbedCalls(request(), "gemini-embedding-001", "gem");
    const result = fromGeminiEmbeddings(calls, [recorded], "gem");
    expect(result.embeddings).toEqual(recorded.embeddings?.map((e) => e.values));
    expect(result.usage).toBeUndefined();
  });

  it("refuses a batch answered with another vector count", () => {
    const calls = toGeminiEmbedCalls(request({ input: ["a", "b", "c"] }), "gemini-embedding-001", "gem");
    expect(() => fromGeminiEmbeddings(calls, [recorded], "gem")).toThrow(/batch 0 has 2 vectors for 3 inputs/);
  });

  it("refuses token arrays, empty strings and fields Gemini has no counterpart for, naming the field", () => {
    const refusal = (req: EmbeddingsRequest) => {
      try {
        toGeminiEmbedCalls(req, "gemini-embedding-001", "gem");
      } catch (error) {
        if (error instanceof GatewayInputError) return error.param;
        throw error;
      }
      throw new Error("expected a GatewayInputError");
    };
    expect(refusal(request({ input: [[1, 2], [3]] }))).toBe("input");
    expect(refusal(request({ input: [1, 2, 3] }))).toBe("input");
    expect(refusal(request({ input: ["ok", ""] }))).toBe("input[1]");
    expect(refusal(request({ task_type: "RETRIEVAL_QUERY" }))).toBe("task_type");
  });
});

describe("gemini embed", () => {
  it("calls batchEmbedContents with the key in a header, one request per input", async () => {
    const result = await embed(request({ dimensions: 8 }));
    expect(result.embeddings).toEqual([fakeEmbedding("the quick fox", 8), fakeEmbedding("a lazy dog", 8)]);
    expect(result.usage).toBeUndefined();
    const got = fake.lastEmbed;
    expect(got.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(got.headers["x-goog-api-key"]).toBe(API_KEY);
    expect(got.query.get("key")).toBeNull();
    expect(got.headers["x-request-id"]).toBe("req-gem-emb");
    expect(got.headers["x-team"]).toBe("search");
    expect((got.body as BatchBody).requests).toEqual([
      { content: { parts: [{ text: "the quick fox" }] }, model: "models/gemini-embedding-001", outputDimensionality: 8 },
      { content: { parts: [{ text: "a lazy dog" }] }, model: "models/gemini-embedding-001", outputDimensionality: 8 },
    ]);
  });

  it("splits 250 inputs into calls of 100, 100 and 50 and keeps the input order", async () => {
    const texts = Array.from({ length: 250 }, (_, i) => `document number ${i}`);
    const result = await embed(request({ input: texts }));
    expect(result.embeddings).toEqual(texts.map((t) => fakeEmbedding(t)));
    const batches = fake.embedRequests.map((r) => (r.body as BatchBody).requests.map((q) => q.content.parts[0]?.text));
    expect(batches.map((b) => b.length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    // Each call carries one contiguous slice of the inputs.
    expect(batches.sort((a, b) => texts.indexOf(a[0] ?? "") - texts.indexOf(b[0] ?? "")).flat()).toEqual(texts);
  });

  it("keeps one vector per input on gemini-embedding-2, where the SDK would merge a string list into one content", async () => {
    const result = await embed(request({ input: ["one", "two", "three"] }), "gemini-embedding-2-preview");
    expect(result.embeddings).toEqual([fakeEmbedding("one"), fakeEmbedding("two"), fakeEmbedding("three")]);
    expect(batchOf(0).requests).toHaveLength(3);
  });

  it("refuses token arrays before calling the upstream", async () => {
    const error = await rejectionOf(embed(request({ input: [[1, 2, 3]] })));
    expect(error).toBeInstanceOf(GatewayInputError);
    expect(error).toMatchObject({ param: "input" });
    expect(fake.requests).toHaveLength(0);
  });

  it("reports the ignored user field as a warning", async () => {
    const warnings: string[] = [];
    await embed(request({ user: "u-1" }), "gemini-embedding-001", { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["user ignored: gem embeddings take no end-user id"]);
    expect(batchOf(0).requests[0]).not.toHaveProperty("user");
  });

  it.each([
    [429, true, "Quota exceeded. Please retry in 7s."],
    [503, true, "The model is overloaded."],
    [400, false, "Request contains an invalid argument."],
    [403, false, "Permission denied."],
  ])("maps an upstream %i to UpstreamError (retryable: %s)", async (status, retryable, message) => {
    fake.script({ status, message });
    const error = await upstreamRejection(embed(request()));
    expect(error).toMatchObject({ provider: "gem", status, failure: "http", retryable, message });
    if (status === 429) expect(error.retryAfterMs).toBe(7000);
  });

  it("fails the whole request when one batch fails", async () => {
    fake.script({}, { status: 500, message: "internal" });
    const error = await upstreamRejection(embed(request({ input: Array.from({ length: 150 }, (_, i) => `t${i}`) })));
    expect(error).toMatchObject({ status: 500, retryable: true });
  });

  it("refuses a collapsed batch, and lets checkEmbeddings refuse a wrong width", async () => {
    fake.script({ embeddings: { count: 1 } });
    const collapsed = await upstreamRejection(embed(request()));
    expect(collapsed).toMatchObject({ status: 502, failure: "malformed", retryable: false });
    fake.script({ embeddings: { width: 3 } });
    const narrow = await embed(request({ dimensions: 8 }));
    expect(() => checkEmbeddings(request({ dimensions: 8 }), narrow, "gem")).toThrow(/vector 0 has 3 dimensions, 8 were asked for/);
  });
});
