// The embeddings operation's cheap bound of the input's tokens: never below the estimate, so a
// key far from its limits may reserve it instead of running the tokenizer on every input.
import { beforeAll, describe, expect, it } from "vitest";
import { estimateInputTokens, loadTokenizer } from "../../src/limits/tokens.ts";
import { embedOperation } from "../../src/pipeline/operations/embed.ts";
import { embeddingInputs } from "../../src/providers/embeddings-input.ts";
import type { EmbeddingsRequest } from "../../src/providers/types.ts";

beforeAll(async () => {
  await loadTokenizer();
});

const inputs: EmbeddingsRequest["input"][] = [
  "Hello there.",
  ["passage 0: the quick brown fox", "passage 1: jumps over the lazy dog".repeat(40)],
  ["日本語のテキスト、かなと漢字。".repeat(300), "ab".repeat(20_000) + "é".repeat(10_000) + "😀".repeat(3_000)],
  [1, 2, 3, 4],
  [[1, 2, 3], [4, 5]],
  ["\u200b".repeat(5_000) + "\ud800 lone"],
];

describe("embedOperation.promptTokenBound", () => {
  it("is never below the estimate, and counts the estimate itself on demand", async () => {
    for (const input of inputs) {
      const req: EmbeddingsRequest = { model: "public", input };
      const bound = embedOperation.promptTokenBound?.(req, "text-embedding-3-small");
      if (bound === undefined) throw new Error("an OpenAI model has a bound");
      const estimate = embedOperation.promptTokens(req, "text-embedding-3-small");
      expect(estimate).toBe(estimateInputTokens(embeddingInputs(input), "text-embedding-3-small"));
      expect(bound.bound).toBeGreaterThanOrEqual(estimate);
      expect(await bound.count()).toBe(estimate);
    }
  });

  it("offers none where the estimate is the character approximation", () => {
    expect(embedOperation.promptTokenBound?.({ model: "public", input: "text" }, "nomic-embed-text")).toBeUndefined();
  });
});
