// The OpenAI adapter's embed against the fake OpenAI API over real HTTP on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkEmbeddings } from "../../../src/providers/embeddings-check.ts";
import { createOpenAIAdapter } from "../../../src/providers/openai/index.ts";
import { toOpenAIEmbeddingsBody } from "../../../src/providers/openai/embed.ts";
import type { EmbeddingsRequest, ProviderAdapter } from "../../../src/providers/types.ts";
import { fakeEmbedding, fakeTokenCount, float32Base64 } from "../../fakes/embedding-vectors.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../../fakes/openai.ts";
import { callOptionsWith, closeInOrder, upstreamRejection } from "../../harness/adapter-calls.ts";

let fake: FakeUpstream;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startOpenAIFake();
  adapter = createOpenAIAdapter("oa", {
    type: "openai",
    api_key: "sk-test-embed",
    base_url: `${fake.origin}/v1`,
    organization: "org-42",
    stream_usage: true,
    headers: { "x-team": "search" },
  });
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, fake));

const call = callOptionsWith({ requestId: "req-emb-1", publicModel: "embed-small" });
const request = (extra: Partial<EmbeddingsRequest> & Record<string, unknown> = {}): EmbeddingsRequest => ({
  model: "embed-small",
  input: ["first text", "second text"],
  ...extra,
});
const embed = (req: EmbeddingsRequest) => {
  if (!adapter.embed) throw new Error("the OpenAI adapter has no embed");
  return adapter.embed(req, "text-embedding-3-small", call());
};

describe("toOpenAIEmbeddingsBody", () => {
  it("forwards the client's body with the target's model, unknown fields and the encoding kept", () => {
    const body: unknown = JSON.parse(toOpenAIEmbeddingsBody({ model: "public", input: "x", encoding_format: "base64", user: "u1", extra_field: 1 }, "upstream-model"));
    expect(body).toEqual({ model: "upstream-model", input: "x", encoding_format: "base64", user: "u1", extra_field: 1 });
  });
});

describe("openai embed", () => {
  it("posts to /embeddings with the key, the request id and the client's body under the target's model", async () => {
    const result = await embed(request({ dimensions: 8, user: "user-7" }));
    expect(result.embeddings).toEqual([fakeEmbedding("first text", 8), fakeEmbedding("second text", 8)]);
    expect(result.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    const got = fake.lastEmbed;
    expect(got.path).toBe("/v1/embeddings");
    expect(got.headers["authorization"]).toBe("Bearer sk-test-embed");
    expect(got.headers["openai-organization"]).toBe("org-42");
    expect(got.headers["x-team"]).toBe("search");
    expect(got.headers["x-request-id"]).toBe("req-emb-1");
    expect(got.body).toEqual({ model: "text-embedding-3-small", input: ["first text", "second text"], dimensions: 8, user: "user-7" });
  });

  it("asks for base64 when the client did and hands back base64 of the same float32 values", async () => {
    const result = await embed(request({ encoding_format: "base64" }));
    expect(result.embeddings).toEqual([float32Base64(fakeEmbedding("first text")), float32Base64(fakeEmbedding("second text"))]);
    expect((fake.lastEmbed.body as Record<string, unknown>)["encoding_format"]).toBe("base64");
    // The fake's values are exact in float32: decoded base64 is the very vector a float answer carries.
    const bytes = Buffer.from(result.embeddings[0] as string, "base64");
    expect(Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(fakeEmbedding("first text"));
  });

  it("leaves the encoding unnamed when the client named none, so the upstream answers floats", async () => {
    const result = await embed(request());
    expect(fake.lastEmbed.body).not.toHaveProperty("encoding_format");
    expect(Array.isArray(result.embeddings[0])).toBe(true);
  });

  it("passes token arrays through", async () => {
    const result = await embed(request({ input: [[1, 2, 3], [4, 5]] }));
    expect(result.embeddings).toEqual([fakeEmbedding([1, 2, 3]), fakeEmbedding([4, 5])]);
    expect(result.usage?.prompt_tokens).toBe(fakeTokenCount([[1, 2, 3], [4, 5]]));
    expect((fake.lastEmbed.body as { input: unknown }).input).toEqual([[1, 2, 3], [4, 5]]);
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
  ])("maps an upstream %i to UpstreamError (retryable: %s)", async (status, retryable) => {
    fake.script({ status, message: `embeddings failed with ${status}`, headers: { "retry-after": "2" } });
    const error = await upstreamRejection(embed(request()));
    expect(error).toMatchObject({ provider: "oa", status, failure: "http", retryable, retryAfterMs: 2000 });
    expect(error.message).toBe(`embeddings failed with ${status}`);
  });

  it("reports an unreachable upstream as a retryable connection failure", async () => {
    const down = createOpenAIAdapter("down", { type: "openai", base_url: "http://127.0.0.1:1/v1", stream_usage: true, headers: {} });
    const error = await upstreamRejection(down.embed?.(request(), "m", call()) ?? Promise.resolve());
    await down.close();
    expect(error).toMatchObject({ provider: "down", status: 502, failure: "connection", retryable: true });
  });

  it("lets checkEmbeddings refuse a collapsed batch or a wrong width as a 502", async () => {
    fake.script({ embeddings: { count: 1 } }, { embeddings: { width: 4 } });
    const collapsed = await embed(request());
    expect(() => checkEmbeddings(request(), collapsed, "oa")).toThrow(expect.objectContaining({ status: 502, failure: "malformed" }) as Error);
    const narrow = await embed(request({ dimensions: 8 }));
    expect(() => checkEmbeddings(request({ dimensions: 8 }), narrow, "oa")).toThrow(/vector 0 has 4 dimensions, 8 were asked for/);
  });
});
