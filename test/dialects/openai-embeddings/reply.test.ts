// The embeddings answer is written as text, not through JSON.stringify of the whole object: it
// must be the same JSON, field for field, whatever form the vectors came in and went out in.
import { describe, expect, it } from "vitest";
import { embeddingsBody, embeddingsJson } from "../../../src/dialects/openai-embeddings/reply.ts";
import type { EmbeddingVector } from "../../../src/providers/types.ts";

const floats = [0.25, -1.5, 3.0625, 2 ** -20]; // exact in float32
const base64 = Buffer.from(new Float32Array(floats).buffer).toString("base64");
const usage = { prompt_tokens: 12, total_tokens: 12 };

function expected(embeddings: (readonly number[] | string)[], model: string): string {
  return JSON.stringify({ object: "list", data: embeddings.map((embedding, index) => ({ object: "embedding", index, embedding })), model, usage });
}

describe("embeddingsJson", () => {
  it("writes base64 vectors as they came when base64 was asked", () => {
    const vectors: EmbeddingVector[] = [base64, base64];
    const text = embeddingsJson({ embeddings: vectors, usage }, "base64", "text-embedding-3-small", usage);
    expect(text).toBe(expected([base64, base64], "text-embedding-3-small"));
  });

  it("encodes float vectors to base64, and decodes base64 to floats, as the client asked", () => {
    expect(embeddingsJson({ embeddings: [floats], usage }, "base64", "m", usage)).toBe(expected([base64], "m"));
    expect(JSON.parse(embeddingsJson({ embeddings: [base64, floats], usage }, "float", "m", usage))).toEqual(JSON.parse(expected([floats, floats], "m")));
  });

  it("escapes the model name as JSON does", () => {
    const model = 'odd "model" \\ name\n';
    expect(embeddingsJson({ embeddings: [floats], usage }, "float", model, usage)).toBe(expected([floats], model));
  });

  it("writes the same JSON as UTF-8 bytes, a model name outside ASCII included", () => {
    for (const model of ["text-embedding-3-small", "modèle-日本-😀", "lone \ud800 surrogate"]) {
      expect(embeddingsBody({ embeddings: [base64, floats], usage }, "base64", model, usage)).toEqual(Buffer.from(expected([base64, base64], model)));
      expect(embeddingsBody({ embeddings: [floats], usage }, "float", model, usage)).toEqual(Buffer.from(expected([floats], model)));
    }
  });
});
