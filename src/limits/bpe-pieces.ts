// Cutting text into pieces that are cheap to tokenize exactly.
//
// The tokenizer first splits text into pre-tokens (a word with its leading space, a run of
// punctuation, a run of whitespace, up to three digits) and then runs byte-pair merging on each
// pre-token, which costs time quadratic in the pre-token's length: one 24,000-character "word"
// (Devanagari, Thai or kana without spaces, zero-width spaces, one letter repeated) takes
// seconds. Every pre-token of o200k longer than a few characters lies in a run of letters and
// marks (\p{L}\p{M}), or in a run of characters that are neither letters nor digits (\p{N});
// its edges add at most a leading character and a "'ll"-style suffix. So cutting every such run
// into pieces of at most RUN_CAP_BYTES of UTF-8 bounds each pre-token at MAX_PRE_TOKEN_BYTES
// (a run of marks may join a letter run to a punctuation run), and the merge work at a constant
// per byte. Ordinary words are far shorter and are not cut at all.
//
// A cut inside a pre-token forbids merges across it and can change the greedy merges next to
// it: the pieces count up to three tokens more than the whole per cut, and in rare cases one
// fewer, never more (the property tests check both bounds), so a limit never sees much less
// than the real count. Long runs of spaces count about twice their real tokens: the vocabulary
// holds single tokens for longer runs than a piece does.

/** The most UTF-8 bytes of one run of letters, or of non-letters, in a piece. */
export const RUN_CAP_BYTES = 48;

/** The longest pre-token a piece can hold, in UTF-8 bytes (see above). */
export const MAX_PRE_TOKEN_BYTES = 2 * RUN_CAP_BYTES + 4 * 4;

// Letters-and-marks first, so a run of marks after a letter stays with the letter, as the
// tokenizer keeps it. Digits match neither and end every run.
const RUNS = /[\p{L}\p{M}]+|[^\p{L}\p{N}]+/gu;

/** Splits `text` inside runs longer than RUN_CAP_BYTES, nowhere else. */
export function bpePieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const run of text.matchAll(RUNS)) {
    if (run[0].length * 3 <= RUN_CAP_BYTES) continue; // short whatever its script
    const end = run.index + run[0].length;
    let bytes = 0;
    for (let at = run.index; at < end; ) {
      const size = utf8Size(text, at);
      if (bytes + size > RUN_CAP_BYTES) {
        if (at > start) pieces.push(text.slice(start, at));
        start = at;
        bytes = 0;
      }
      bytes += size;
      at += size === 4 ? 2 : 1;
    }
  }
  pieces.push(start === 0 ? text : text.slice(start));
  return pieces;
}

/** UTF-8 bytes of the code point at `at`; a lone surrogate is encoded as U+FFFD, 3 bytes. */
export function utf8Size(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(at + 1);
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 3;
  }
  return 3;
}
