// Its own file: vitest gives each file a fresh module graph, so the vocabulary starts unloaded.
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { estimateTextTokens, promptTokenBound } from "../../src/limits/tokens.ts";
import { approximateTextTokens } from "../../src/limits/text-tokens.ts";

describe("the vocabulary", () => {
  it("is not loaded by a bound, loads on the first exact count, and counts exactly once in", async () => {
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    const shape = { messages: [{ role: "user", content: text }] };
    const bound = promptTokenBound(shape, "gpt-4o");
    expect(bound?.bound).toBeGreaterThan(0);
    // not loaded: the approximation, and the load starts
    expect(estimateTextTokens(text, "gpt-4o")).toBe(Math.ceil(approximateTextTokens(text)));
    // a limiter near its limit waits for it
    const counted = await bound?.count();
    expect(estimateTextTokens(text, "gpt-4o")).toBe(countTokens(text));
    expect(counted).toBeGreaterThan(countTokens(text));
  });
});
