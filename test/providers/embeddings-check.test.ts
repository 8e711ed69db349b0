// The answer check every embeddings call goes through, and the input views adapters share.
import { describe, expect, it } from "vitest";
import { checkEmbeddings } from "../../src/providers/embeddings-check.ts";
import { embeddingInputs, refuseUnknownFields, textInputs } from "../../src/providers/embeddings-input.ts";
import { UpstreamError } from "../../src/providers/errors.ts";
import { GatewayInputError } from "../../src/providers/input-error.ts";
import type { EmbeddingsRequest, EmbeddingVector } from "../../src/providers/types.ts";

const req = (input: EmbeddingsRequest["input"], extra: Partial<EmbeddingsRequest> = {}): EmbeddingsRequest => ({ model: "emb", input, ...extra });
const base64Of = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString("base64");

function failureOf(request: EmbeddingsRequest, embeddings: EmbeddingVector[]): UpstreamError {
  try {
    checkEmbeddings(request, { embeddings, usage: undefined }, "up");
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error("expected the check to fail");
}

describe("checkEmbeddings", () => {
  it("accepts one vector per input in float or base64, at the asked width", () => {
    expect(() => checkEmbeddings(req(["a", "b"], { dimensions: 2 }), { embeddings: [[0.5, -1], base64Of([0.25, 1])], usage: undefined }, "up")).not.toThrow();
    expect(() => checkEmbeddings(req([1, 2, 3]), { embeddings: [[0.5, 0.5, 0.5]], usage: undefined }, "up")).not.toThrow();
    expect(() => checkEmbeddings(req([[1], [2]]), { embeddings: [[0.5], [0.5]], usage: undefined }, "up")).not.toThrow();
  });

  it("refuses a batch collapsed into fewer vectors as a 502 that another target may fix", () => {
    const error = failureOf(req(["a", "b", "c"]), [[0.1, 0.2]]);
    expect(error).toMatchObject({ provider: "up", status: 502, failure: "malformed", retryable: false });
    expect(error.message).toContain("1 vectors for 3 inputs");
    expect(error.isUpstreamFault).toBe(true);
  });

  it("counts a flat token array as one input", () => {
    expect(failureOf(req([1, 2, 3]), [[0.1], [0.2], [0.3]]).message).toContain("3 vectors for 1 inputs");
  });

  it("refuses a width other than the asked dimensions, base64 measured in float32s", () => {
    expect(failureOf(req("a", { dimensions: 4 }), [[0.1, 0.2, 0.3]]).message).toContain("vector 0 has 3 dimensions, 4 were asked for");
    // A float array read as base64 bytes is the classic quarter-width vector.
    expect(failureOf(req("a", { dimensions: 8 }), [base64Of([1, 2])]).message).toContain("vector 0 has 2 dimensions, 8 were asked for");
  });

  it("refuses vectors of differing widths, empty vectors, non-numbers and bad base64", () => {
    expect(failureOf(req(["a", "b"]), [[0.1, 0.2], [0.1]]).message).toContain("vector 1 has 1 dimensions, vector 0 has 2");
    expect(failureOf(req("a"), [[]]).message).toContain("vector 0 is empty");
    expect(failureOf(req("a"), [[0.1, null as unknown as number]]).message).toContain("vector 0 is not a list of finite numbers");
    expect(failureOf(req("a"), ["not base64!"]).message).toContain("vector 0 is not base64 of float32 values");
    expect(failureOf(req("a"), [Buffer.from([1, 2, 3, 4, 5, 6]).toString("base64")]).message).toContain("not base64 of float32");
    expect(failureOf(req("a"), [base64Of([Number.NaN])]).message).toContain("not base64 of float32");
  });
});

describe("embedding inputs", () => {
  it("lists inputs whatever form they came in", () => {
    expect(embeddingInputs("x")).toEqual(["x"]);
    expect(embeddingInputs(["x", "y"])).toEqual(["x", "y"]);
    expect(embeddingInputs([5, 6])).toEqual([[5, 6]]);
    expect(embeddingInputs([[5], [6, 7]])).toEqual([[5], [6, 7]]);
  });

  it("refuses token arrays and empty strings for text-only upstreams, naming the field", () => {
    expect(textInputs(req(["a", "b"]), "gem")).toEqual(["a", "b"]);
    expect(() => textInputs(req([[1, 2]]), "gem")).toThrow(GatewayInputError);
    expect(() => textInputs(req([[1, 2]]), "gem")).toThrow(
      expect.objectContaining({ param: "input", message: "token-array input is not supported by gem; send text" }) as Error,
    );
    expect(() => textInputs(req(["a", ""]), "gem")).toThrow(expect.objectContaining({ param: "input[1]" }) as Error);
    expect(() => textInputs(req(""), "gem")).toThrow(expect.objectContaining({ param: "input" }) as Error);
  });

  it("refuses fields the upstream has no counterpart for", () => {
    const known = new Set(["model", "input", "dimensions"]);
    expect(() => refuseUnknownFields(req("a", { dimensions: 3 }), "gem", known)).not.toThrow();
    expect(() => refuseUnknownFields({ ...req("a"), input_type: "query" }, "gem", known)).toThrow(
      expect.objectContaining({ name: "GatewayInputError", param: "input_type" }) as Error,
    );
  });
});
