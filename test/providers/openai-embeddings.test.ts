// OpenAI-wire embeddings answers (OpenAI, compatibles, Azure) as EmbeddingsResult, from recorded shapes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/errors.ts";
import { fromOpenAIEmbeddings } from "../../src/providers/openai-embeddings.ts";

const fixture = (path: string): { data: { embedding: unknown }[] } & Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures", path), "utf8")) as { data: { embedding: unknown }[] };

describe("fromOpenAIEmbeddings", () => {
  it("keeps float vectors as sent, with usage", () => {
    const body = fixture("openai/embeddings-float.json");
    const result = fromOpenAIEmbeddings(body, "oa");
    expect(result.embeddings).toEqual([body.data[0]?.embedding, body.data[1]?.embedding]);
    expect(result.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
  });

  it("keeps base64 vectors as base64, the same numbers in float32", () => {
    const result = fromOpenAIEmbeddings(fixture("openai/embeddings-base64.json"), "oa");
    const floats = fixture("openai/embeddings-float.json").data[0]?.embedding as number[];
    const first = result.embeddings[0];
    expect(typeof first).toBe("string");
    const bytes = Buffer.from(first as string, "base64");
    expect(Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(floats.map((v) => Math.fround(v)));
  });

  it("reads Azure's answer the same way", () => {
    expect(fromOpenAIEmbeddings(fixture("azure/embeddings.json"), "az")).toMatchObject({ embeddings: [expect.any(Array)], usage: { prompt_tokens: 4, total_tokens: 4 } });
  });

  it("places vectors by index, whatever order they came in", () => {
    const body = { data: [{ index: 1, embedding: [2] }, { index: 0, embedding: [1] }], usage: { prompt_tokens: 2, total_tokens: 2 } };
    expect(fromOpenAIEmbeddings(body, "oa").embeddings).toEqual([[1], [2]]);
  });

  it("has no usage when the upstream reports none", () => {
    expect(fromOpenAIEmbeddings({ data: [{ index: 0, embedding: [1] }] }, "oa").usage).toBeUndefined();
  });

  it.each([
    ["no data list", { object: "list" }, "no `data` list"],
    ["a duplicate index", { data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [2] }] }, "data[1] has no usable index"],
    ["an index out of range", { data: [{ index: 3, embedding: [1] }] }, "data[0] has no usable index"],
    ["a missing embedding", { data: [{ index: 0 }] }, "data[0] has no embedding"],
  ])("refuses %s as a malformed answer", (_name, body, detail) => {
    const error = (() => {
      try {
        fromOpenAIEmbeddings(body, "oa");
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 502, failure: "malformed", retryable: false });
    expect((error as Error).message).toContain(detail);
  });
});
