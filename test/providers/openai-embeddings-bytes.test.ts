// OpenAI embeddings answers read from their bytes (vectors cut out, the rest parsed) must come
// out as a whole parse of the same body does: the same vectors in the same places, the same
// usage, and the same refusals, whatever the spacing, order, escapes or damage of the body.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkEmbeddings } from "../../src/providers/embeddings-check.ts";
import { fromOpenAIEmbeddings } from "../../src/providers/openai-embeddings.ts";
import { readOpenAIEmbeddings } from "../../src/providers/openai-embeddings-bytes.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../src/providers/types.ts";

const fixture = (path: string): string => readFileSync(join(import.meta.dirname, "../fixtures", path), "utf8");
const vector = (seed: number): string => Buffer.from(new Float32Array([seed, -seed / 2, 0.25, 3]).buffer).toString("base64");
const answer = (data: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ object: "list", data, model: "text-embedding-3-small", usage: { prompt_tokens: 5, total_tokens: 5 }, ...extra });
const item = (index: number, embedding: unknown = vector(index + 1)) => ({ object: "embedding", index, embedding });

type Outcome = { result: EmbeddingsResult } | { error: string };

function outcome(read: () => EmbeddingsResult): Outcome {
  try {
    return { result: read() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The answer read from bytes, against the whole parse it replaces. */
function expectSameAsParse(text: string): void {
  const whole = outcome(() => {
    let body: unknown;
    try {
      body = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch {
      throw new Error("oa sent a malformed embeddings answer: the body is not JSON");
    }
    return fromOpenAIEmbeddings(body, "oa");
  });
  expect(outcome(() => readOpenAIEmbeddings(Buffer.from(text), "oa")), text).toEqual(whole);
}

describe("readOpenAIEmbeddings", () => {
  it("reads recorded answers, pretty-printed, as a whole parse does", () => {
    expectSameAsParse(fixture("openai/embeddings-base64.json"));
    expectSameAsParse(fixture("openai/embeddings-float.json"));
    expectSameAsParse(fixture("azure/embeddings.json"));
  });

  it("places vectors by index, keeps the last of a repeated key, and leaves `embedding` elsewhere alone", () => {
    expectSameAsParse(answer([item(1), item(0)]));
    expectSameAsParse(answer([item(0), item(1)]).replace(`"embedding":"${vector(1)}"`, `"embedding":"${vector(7)}","embedding" : "${vector(1)}"`));
    expectSameAsParse(answer([item(0)], { model: "embedding", usage: { prompt_tokens: 1, embedding: "x" }, note: { embedding: vector(9) } }));
    expectSameAsParse(answer([item(0), item(1, [0.5, 1])]));
    expectSameAsParse(answer([{ index: 0, embedding: 12 }, { index: 1, embedding: null }]));
    expectSameAsParse(answer([{ index: 0, embedding: "" }]));
    expectSameAsParse(answer([item(0)]).replace(/"embedding":/g, '"embedding"\n\t :  \r\n'));
  });

  it("takes a body with escapes (or a byte order mark) through the whole parse", () => {
    expectSameAsParse(answer([item(0)]).replace(/\//g, "\\/"));
    expectSameAsParse(answer([item(0)], { model: 'a "quoted" \\"embedding\\":\\"x\\" model' }));
    expectSameAsParse(`\uFEFF${answer([item(0)])}`);
  });

  it("refuses what is not JSON as a whole parse does", () => {
    for (const text of ["", "not json", answer([item(0)]).slice(0, 40), answer([item(0)]).slice(0, -3), '{"data":[{"embedding":"AAAA', '{"x":"y"embedding":"AAAA"}']) {
      expectSameAsParse(text);
    }
  });

  it("agrees with the whole parse on 3,000 damaged answers", () => {
    const base = answer([item(0), item(1), item(2)]);
    const damage = ['"', "\\", ":", " ", "{", "}", "[", "]", ",", "A", "=", "0", "é"];
    let seed = 17;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 3_000; round++) {
      let text = base;
      for (let edits = 1 + next(3); edits > 0; edits--) {
        const at = next(text.length);
        text = text.slice(0, at) + (damage[next(damage.length)] as string) + text.slice(at + next(2));
      }
      expectSameAsParse(text);
    }
  });

  it("still refuses a raw control character inside a vector, through the check rather than the parse", () => {
    const text = answer([item(0)]).replace(`"embedding":"${vector(1).slice(0, 4)}`, `"embedding":"${vector(1).slice(0, 4)}\n`);
    expect(() => JSON.parse(text) as unknown).toThrow();
    const req: EmbeddingsRequest = { model: "m", input: "x" };
    expect(() => checkEmbeddings(req, readOpenAIEmbeddings(Buffer.from(text), "oa"), "oa")).toThrow(expect.objectContaining({ status: 502, failure: "malformed" }) as Error);
  });
});
