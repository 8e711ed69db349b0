// Ollama embeddings: the pure translation (with a recorded /api/embed answer) and the adapter
// against the fake Ollama server over real HTTP, through the real `ollama` SDK.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkEmbeddings } from "../../../src/providers/embeddings-check.ts";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import { fromOllamaEmbed, toOllamaEmbedRequest, type OllamaEmbedResponse } from "../../../src/providers/ollama/embed.ts";
import { createOllamaAdapter } from "../../../src/providers/ollama/index.ts";
import type { CallOptions, EmbeddingsRequest, ProviderAdapter } from "../../../src/providers/types.ts";
import { fakeEmbedding, fakeTokenCount } from "../../fakes/embedding-vectors.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { startOllamaFake } from "../../fakes/ollama.ts";
import { callOptionsWith, closeInOrder, rejectionOf, upstreamRejection } from "../../harness/adapter-calls.ts";

const recorded = JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/ollama/embed.json"), "utf8")) as OllamaEmbedResponse;

let fake: FakeUpstream;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startOllamaFake();
  adapter = createOllamaAdapter("local", { type: "ollama", base_url: fake.origin, keep_alive: "15m", headers: { "x-tenant": "acme" } });
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, fake));

const call = callOptionsWith({ requestId: "req-oll-emb", publicModel: "embed-local" });
const request = (extra: Partial<EmbeddingsRequest> & Record<string, unknown> = {}): EmbeddingsRequest => ({
  model: "embed-local",
  input: ["why is the sky blue", "why is the grass green"],
  ...extra,
});
const embed = (req: EmbeddingsRequest, over: Partial<CallOptions> = {}) => {
  if (!adapter.embed) throw new Error("the Ollama adapter has no embed");
  return adapter.embed(req, "nomic-embed-text", call(over));
};

describe("ollama embeddings translation", () => {
  it("sends the inputs as a list, truncate off, dimensions and keep_alive when set", () => {
    expect(toOllamaEmbedRequest(request({ input: "one", dimensions: 256 }), "nomic-embed-text", "local", "5m")).toEqual({
      model: "nomic-embed-text",
      input: ["one"],
      truncate: false,
      dimensions: 256,
      keep_alive: "5m",
    });
    expect(toOllamaEmbedRequest(request(), "m", "local", undefined)).toEqual({ model: "m", input: ["why is the sky blue", "why is the grass green"], truncate: false });
  });

  it("reads a recorded answer, prompt tokens from prompt_eval_count", () => {
    expect(fromOllamaEmbed(recorded, "local")).toEqual({ embeddings: recorded.embeddings, usage: { prompt_tokens: 8, total_tokens: 8 } });
    expect(fromOllamaEmbed({ embeddings: [[0.5]] }, "local").usage).toBeUndefined();
  });

  it("refuses an answer without embeddings as malformed", () => {
    expect(() => fromOllamaEmbed({ model: "m" }, "local")).toThrow(expect.objectContaining({ status: 502, failure: "malformed" }) as Error);
  });
});

describe("ollama embed", () => {
  it("posts to /api/embed and returns the vectors with prompt_eval_count as usage", async () => {
    const result = await embed(request({ dimensions: 8 }));
    expect(result.embeddings).toEqual([fakeEmbedding("why is the sky blue", 8), fakeEmbedding("why is the grass green", 8)]);
    const tokens = fakeTokenCount(["why is the sky blue", "why is the grass green"]);
    expect(result.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    const got = fake.lastEmbed;
    expect(got.path).toBe("/api/embed");
    expect(got.headers["x-request-id"]).toBe("req-oll-emb");
    expect(got.headers["x-tenant"]).toBe("acme");
    expect(got.body).toEqual({
      model: "nomic-embed-text",
      input: ["why is the sky blue", "why is the grass green"],
      truncate: false,
      dimensions: 8,
      keep_alive: "15m",
    });
  });

  it("refuses token arrays before calling the upstream", async () => {
    const error = await rejectionOf(embed(request({ input: [[101, 202]] })));
    expect(error).toBeInstanceOf(GatewayInputError);
    expect(error).toMatchObject({ param: "input" });
    expect(fake.requests).toHaveLength(0);
  });

  it("reports the ignored user field as a warning", async () => {
    const warnings: string[] = [];
    await embed(request({ user: "u-9" }), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["user ignored: local embeddings take no end-user id"]);
    expect(fake.lastEmbed.body).not.toHaveProperty("user");
  });

  it.each([
    [400, "the input length exceeds the context length", false],
    [404, 'model "nomic-embed-text" not found, try pulling it first', false],
    [500, "llama runner process has terminated: exit status 2", true],
    [503, "server busy, please try again. maximum pending requests exceeded", true],
  ])("maps an upstream %i to UpstreamError with Ollama's message", async (status, message, retryable) => {
    fake.script({ status, message });
    const error = await upstreamRejection(embed(request()));
    expect(error).toMatchObject({ provider: "local", status, failure: "http", retryable, message });
  });

  it("reports an unreachable server as a retryable connection failure", async () => {
    const offline = createOllamaAdapter("offline", { type: "ollama", base_url: "http://127.0.0.1:1", headers: {} });
    const error = await upstreamRejection(offline.embed?.(request(), "m", call()) ?? Promise.resolve());
    await offline.close();
    expect(error).toMatchObject({ provider: "offline", status: 502, failure: "connection", retryable: true });
  });

  it("lets checkEmbeddings refuse a collapsed batch", async () => {
    fake.script({ embeddings: { count: 1 } });
    const result = await embed(request());
    expect(() => checkEmbeddings(request(), result, "local")).toThrow(/1 vectors for 2 inputs/);
  });
});
