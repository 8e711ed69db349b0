// The exact token counter's work is bounded whatever the text: texts built to be slow for a
// byte-pair tokenizer (one endless "word" in scripts written without spaces, zero-width spaces,
// one character repeated, random code points) must reach it in short pre-tokens and in a bounded
// amount, and the count must stay close to the real one. Work is observed by recording what the
// tally hands the tokenizer and splitting it with the tokenizer's own pre-token pattern.
import fc from "fast-check";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { describe, expect, it } from "vitest";
import { bpePieces, MAX_PRE_TOKEN_BYTES, RUN_CAP_BYTES } from "../../src/limits/bpe-pieces.ts";
import { exactTally, MAX_TOKENIZED_BYTES } from "../../src/limits/text-tokens.ts";

const AS_TEXT = { disallowedSpecial: new Set<string>() };
const exact = (text: string) => countTokens(text, AS_TEXT);

function longestPreTokenBytes(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(O200K_TOKEN_SPLIT_REGEX)) longest = Math.max(longest, Buffer.byteLength(match[0]));
  return longest;
}

/** Counts `texts` with a tally whose tokenizer calls are recorded. */
function observed(texts: readonly string[]): { tokens: number; seen: string[] } {
  const seen: string[] = [];
  const tally = exactTally((text) => {
    seen.push(text);
    return exact(text);
  });
  for (const text of texts) tally.add(text);
  return { tokens: tally.total(), seen };
}

let seed = 7;
function random(below: number): number {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed % below;
}
function randomRun(from: number, to: number, length: number): string {
  let text = "";
  while (text.length < length) text += String.fromCodePoint(from + random(to - from));
  return text.slice(0, length);
}
const repeat = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

const adversarial: Record<string, (length: number) => string> = {
  "one Devanagari word": (n) => randomRun(0x915, 0x939, n),
  "one Thai word": (n) => randomRun(0xe01, 0xe2e, n),
  "one Hiragana word": (n) => randomRun(0x3041, 0x3096, n),
  "one Han word": (n) => randomRun(0x4e00, 0x9fff, n),
  "one Arabic word": (n) => randomRun(0x628, 0x64a, n),
  "zero-width spaces": (n) => repeat("\u200b", n),
  "zero-width spaces between punctuation": (n) => repeat("\u200b!", n),
  "one letter repeated": (n) => repeat("a", n),
  "one capital repeated": (n) => repeat("Q", n),
  "a letter with combining marks": (n) => repeat("e\u0301\u0302", n),
  "combining marks alone": (n) => repeat("\u0301", n),
  "punctuation, slashes and newlines": (n) => "!" + repeat("/\n", n - 1),
  "spaces": (n) => repeat(" ", n - 1) + "x",
  "mixed whitespace": (n) => repeat(" \t\n\r\u00a0", n),
  "emoji (surrogate pairs)": (n) => randomRun(0x1f600, 0x1f64f, n),
  "random code points": (n) => randomRun(0x80, 0x2ffff, n),
  "prose around a long word": (n) => `Please translate this: ${randomRun(0x915, 0x939, n - 60)} and explain it briefly.`,
};

describe("the work handed to the tokenizer", () => {
  for (const [name, make] of Object.entries(adversarial)) {
    it(`is bounded for ${name}`, () => {
      for (const length of [2_000, 23_000, 200_000]) {
        const { seen } = observed([make(length)]);
        const bytes = seen.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
        expect(bytes, `${length} characters`).toBeLessThanOrEqual(MAX_TOKENIZED_BYTES);
        expect(Math.max(...seen.map(longestPreTokenBytes)), `${length} characters`).toBeLessThanOrEqual(MAX_PRE_TOKEN_BYTES);
      }
    });
  }

  it("is bounded over many texts, whatever their sizes", () => {
    const word = randomRun(0x915, 0x939, 97);
    const texts = Array.from({ length: 3_000 }, (_, i) => word.repeat(1 + (i % 40)).slice(i % 97));
    const { seen } = observed(texts);
    expect(seen.reduce((sum, text) => sum + Buffer.byteLength(text), 0)).toBeLessThanOrEqual(MAX_TOKENIZED_BYTES);
    expect(Math.max(...seen.map(longestPreTokenBytes))).toBeLessThanOrEqual(MAX_PRE_TOKEN_BYTES);
  });
});

// Strings mixing long runs of anything with ordinary words: the tokenizer's worst cases.
const codePoint = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0x300, max: 0x36f }), // combining marks
  fc.integer({ min: 0x900, max: 0xe7f }), // Devanagari .. Thai
  fc.integer({ min: 0x2000, max: 0x206f }), // spaces, zero-width, punctuation
  fc.integer({ min: 0x3040, max: 0x30ff }), // kana
  fc.integer({ min: 0x1f300, max: 0x1f64f }), // emoji
  fc.integer({ min: 0, max: 0x10ffff }),
);
const run = fc
  .tuple(fc.array(codePoint, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 300 }))
  .map(([unit, times]) => String.fromCodePoint(...unit).repeat(times).slice(0, 600));
const randomRunOf = fc
  .tuple(codePoint, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 2 ** 30 }))
  .map(([from, length, s]) => {
    let text = "";
    let state = s;
    for (let i = 0; i < length; i += 1) {
      state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
      text += String.fromCodePoint(Math.min(0x10ffff, from + (state % 64)));
    }
    return text;
  });
const hostile = fc.array(fc.oneof(run, randomRunOf, fc.string({ unit: "grapheme", maxLength: 40 })), { maxLength: 8 }).map((parts) => parts.join(""));

// Ordinary text: words of a few letters in several scripts between spaces and punctuation.
const letters = ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJ", "абвгдежзик", "αβγδεζηθ", "कखगघचछजझ", "ひらがなカタカナ", "中文字词句段", "éèêàçôû"].map(
  (alphabet) => Array.from(alphabet),
);
const word = fc
  .tuple(fc.integer({ min: 0, max: letters.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }))
  .map(([script, picks]) => {
    const alphabet = letters[script] ?? ["a"];
    return picks.map((pick) => alphabet[pick % alphabet.length]).join("");
  });
const separator = fc.constantFrom(" ", " ", " ", ", ", ". ", "\n", "\n\n", " - ", "; ", "'s ", "42 ", "(", ") ");
const ordinary = fc.array(fc.tuple(word, separator), { maxLength: 200 }).map((pairs) => pairs.map(([w, s]) => w + s).join(""));

describe("bpePieces", () => {
  it("keeps every character, in order, and leaves ordinary text whole", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(bpePieces(text).join("")).toBe(text);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(ordinary, (text) => {
        expect(bpePieces(text)).toEqual([text]);
      }),
      { numRuns: 200 },
    );
  });

  it("hands the tokenizer no pre-token longer than MAX_PRE_TOKEN_BYTES", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        for (const piece of bpePieces(text)) expect(longestPreTokenBytes(piece)).toBeLessThanOrEqual(MAX_PRE_TOKEN_BYTES);
      }),
      { numRuns: 1_000 },
    );
  });

  it("cuts a run only every RUN_CAP_BYTES", () => {
    expect(bpePieces("x".repeat(RUN_CAP_BYTES * 10))).toHaveLength(10);
    expect(bpePieces("क".repeat(RUN_CAP_BYTES * 10))).toHaveLength(30); // 3 bytes each
    expect(bpePieces("😀".repeat(RUN_CAP_BYTES * 10)).every((piece) => piece.length === RUN_CAP_BYTES / 2)).toBe(true);
  });
});

describe("the count", () => {
  it("is exact for ordinary text within the budget", () => {
    fc.assert(
      fc.property(ordinary, (text) => {
        fc.pre(Buffer.byteLength(text) <= MAX_TOKENIZED_BYTES);
        expect(observed([text]).tokens).toBe(exact(text));
      }),
      { numRuns: 300 },
    );
  });

  it("is never more than one token a cut below the exact count for hostile text within the budget, nor far above", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        fc.pre(Buffer.byteLength(text) <= MAX_TOKENIZED_BYTES);
        const cuts = bpePieces(text).length - 1;
        const real = exact(text);
        const counted = observed([text]).tokens;
        expect(counted).toBeGreaterThanOrEqual(real - cuts);
        expect(counted).toBeLessThanOrEqual(real + 3 * cuts);
      }),
      { numRuns: 500 },
    );
  });

  // Above the budget the count is sampled. Counting a long "word" exactly is what this file is
  // about avoiding, so the reference counts it in 400-character slices (within a token or two
  // of the whole per slice). Runs of spaces count high: the vocabulary has single tokens for
  // longer runs than a piece holds.
  it("never falls below 90% of the real count for long hostile texts, and stays within 10% but for spaces", () => {
    const sliced = (text: string) => {
      let tokens = 0;
      for (let at = 0; at < text.length; at += 400) tokens += exact(text.slice(at, at + 400));
      return tokens;
    };
    for (const [name, make] of Object.entries(adversarial)) {
      const text = make(23_000);
      const reference = sliced(text);
      const ratio = observed([text]).tokens / reference;
      expect(ratio, name).toBeGreaterThan(0.9);
      expect(ratio, name).toBeLessThan(name === "spaces" ? 2.5 : 1.1);
    }
  });
});
