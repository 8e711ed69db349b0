// The Azure adapter's embed against the fake Azure OpenAI data plane over real HTTP on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAzureAdapter } from "../../../src/providers/azure/index.ts";
import { toAzureEmbeddingsBody } from "../../../src/providers/azure/embed.ts";
import { checkEmbeddings } from "../../../src/providers/embeddings-check.ts";
import type { EmbeddingsRequest, ProviderAdapter } from "../../../src/providers/types.ts";
import { deploymentOf, startAzureFake } from "../../fakes/azure.ts";
import { fakeEmbedding, float32Base64 } from "../../fakes/embedding-vectors.ts";
import type { FakeUpstream } from "../../fakes/fake-upstream.ts";
import { callOptionsWith, closeInOrder, upstreamRejection } from "../../harness/adapter-calls.ts";

let fake: FakeUpstream;
let adapter: ProviderAdapter;
let pinned: ProviderAdapter;

beforeAll(async () => {
  fake = await startAzureFake();
  const config = { type: "azure" as const, api_key: "azure-embed-key", endpoint: fake.origin, api_version: "2024-10-21", headers: { "x-team": "search" } };
  adapter = createAzureAdapter("azure-eu", config);
  pinned = createAzureAdapter("azure-pinned", { ...config, deployment: "emb-pinned" });
});
afterEach(() => fake.reset());
afterAll(() => closeInOrder(adapter, pinned, fake));

const call = callOptionsWith({ requestId: "req-az-emb", publicModel: "embed-small" });
const request = (extra: Partial<EmbeddingsRequest> = {}): EmbeddingsRequest => ({ model: "embed-small", input: ["alpha", "beta gamma"], ...extra });
const embedOn = (target: ProviderAdapter, req: EmbeddingsRequest, model = "emb-eu") => {
  if (!target.embed) throw new Error("the Azure adapter has no embed");
  return target.embed(req, model, call());
};

describe("toAzureEmbeddingsBody", () => {
  it("names float when the client named no encoding, and keeps the one it named", () => {
    expect(toAzureEmbeddingsBody({ model: "p", input: "x" }, "d")).toEqual({ model: "d", input: "x", encoding_format: "float" });
    expect(toAzureEmbeddingsBody({ model: "p", input: "x", encoding_format: "base64" }, "d")).toMatchObject({ encoding_format: "base64" });
  });
});

describe("azure embed", () => {
  it("posts to the deployment path with api-version and the api-key header", async () => {
    const result = await embedOn(adapter, request({ dimensions: 6 }));
    expect(result.embeddings).toEqual([fakeEmbedding("alpha", 6), fakeEmbedding("beta gamma", 6)]);
    expect(result.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const got = fake.lastEmbed;
    expect(got.path).toBe("/openai/deployments/emb-eu/embeddings");
    expect([...got.query.entries()]).toEqual([["api-version", "2024-10-21"]]);
    expect(got.headers["api-key"]).toBe("azure-embed-key");
    expect(got.headers["authorization"]).toBeUndefined();
    expect(got.headers["x-request-id"]).toBe("req-az-emb");
    expect(got.headers["x-team"]).toBe("search");
    expect(got.headers["x-stainless-retry-count"]).toBe("0");
    expect(got.body).toEqual({ model: "emb-eu", input: ["alpha", "beta gamma"], dimensions: 6, encoding_format: "float" });
  });

  it("uses the configured deployment over the target's model", async () => {
    await embedOn(pinned, request());
    expect(deploymentOf(fake.lastEmbed)).toBe("emb-pinned");
  });

  it("returns base64 untouched when the client asked for it", async () => {
    const result = await embedOn(adapter, request({ encoding_format: "base64" }));
    expect(result.embeddings).toEqual([float32Base64(fakeEmbedding("alpha")), float32Base64(fakeEmbedding("beta gamma"))]);
  });

  it("passes token arrays through", async () => {
    const result = await embedOn(adapter, request({ input: [7, 8, 9] }));
    expect(result.embeddings).toEqual([fakeEmbedding([7, 8, 9])]);
  });

  it.each([
    [429, true],
    [500, true],
    [400, false],
    [404, false],
  ])("maps an upstream %i to UpstreamError (retryable: %s)", async (status, retryable) => {
    fake.script({ status, message: `azure said ${status}` });
    const error = await upstreamRejection(embedOn(adapter, request()));
    expect(error).toMatchObject({ provider: "azure-eu", status, failure: "http", retryable });
    expect(error.message).toBe(`azure said ${status}`);
  });

  it("lets checkEmbeddings refuse a padded batch", async () => {
    fake.script({ embeddings: { count: 3 } });
    const result = await embedOn(adapter, request());
    expect(() => checkEmbeddings(request(), result, "azure-eu")).toThrow(/3 vectors for 2 inputs/);
  });
});
