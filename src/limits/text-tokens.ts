// Counting the tokens of a request's text, two ways. A tally collects every text of one
// request (message contents, names, tool schemas...) and counts them together at the end.
//
// OpenAI-family models: the real o200k_base tokenizer (gpt-4o, gpt-4.1, gpt-5, o-series;
// older cl100k models count within a few percent of it, so one vocabulary is loaded, not two).
// It runs on every limited request, and text it has not seen before (random words in any
// script) costs it 0.5-3 µs of CPU a byte against 0.07 µs for English prose, so its work is
// bounded whatever the text:
// - no pre-token handed to it is longer than MAX_PRE_TOKEN_BYTES (bpe-pieces.ts), so the
//   merge work per byte is a constant instead of growing with the longest "word";
// - it sees at most MAX_TOKENIZED_BYTES of UTF-8 a request: text up to that size is counted
//   exactly; above it, the request's text is treated as one long string, SAMPLES windows of up
//   to SAMPLE_BYTES spread evenly over it are tokenized (stratified sampling), and their
//   tokens-per-character ratio is applied to the whole. Spreading the windows over all the text
//   keeps mixed content (prose, code, base64-looking ids) within a few percent.
// That keeps an estimate to a few milliseconds of CPU at worst (`node bench/token-estimate.ts`).
// Everything else is one linear pass over the request.
//
// Other models (their tokenizers are not public or not in JS): a character approximation,
// 4 ASCII characters per token, 2.5 other characters per token, and one token per CJK /
// kana / hangul character. It errs on the high side for non-English text, which suits a limit.
//
// The vocabulary takes ~300 ms and about 70 MiB to load, more than the rest of the gateway
// together, so it loads in the background the first time an exact count is asked for (a
// request near a token limit, a lane without a cheap bound); requests counted before it is in
// use the approximation, and a request near a limit waits for it (tokenizerReady).
import { bpePieces, utf8Size } from "./bpe-pieces.ts";

const SAMPLES = 128;
const SAMPLE_BYTES = 48;
/** The most UTF-8 bytes one estimate hands to the tokenizer. */
export const MAX_TOKENIZED_BYTES = SAMPLES * SAMPLE_BYTES;
/** How far a sample window's edge moves to land on a space. */
const WORD_SEARCH = 16;
const SPACE = 0x20;
// User text is text: "<|endoftext|>" in a prompt is ordinary characters, not a control token.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

let countTokens: ((text: string, options: typeof AS_TEXT) => number) | undefined;

let loading: Promise<void> | undefined;
let onLoadError: ((error: unknown) => void) | undefined;

export function loadTokenizer(): Promise<void> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((module) => {
    countTokens = module.countTokens;
  });
  return loading;
}

/** Where a failed load is reported (once); counts stay approximate after one. */
export function reportTokenizerErrors(handler: (error: unknown) => void): void {
  onLoadError = handler;
}

/** Resolves once exact counting is available, or could not be made so. Starts the load if need be. */
export function tokenizerReady(): Promise<void> {
  if (countTokens !== undefined) return Promise.resolve();
  const first = loading === undefined;
  return loadTokenizer().catch((error: unknown) => {
    if (first) onLoadError?.(error);
  });
}

export interface TokenTally {
  add(text: string): void;
  total(): number;
}

/** Counts one text exactly; `exactTally` takes it as a parameter so its work can be observed. */
export type CountText = (text: string) => number;

export function openAITally(): TokenTally {
  const count = countTokens;
  if (count) return exactTally((text) => count(text, AS_TEXT));
  void tokenizerReady(); // asked for an exact count: have one next time
  return approximateTally();
}

/** A tally with the tokenizer that hands it at most MAX_TOKENIZED_BYTES, in bounded pieces. */
export function exactTally(count: CountText): TokenTally {
  const texts: string[] = [];
  let chars = 0;
  return {
    add(text) {
      if (text.length === 0) return;
      texts.push(text);
      chars += text.length;
    },
    total() {
      if (chars <= MAX_TOKENIZED_BYTES && utf8Bytes(texts) <= MAX_TOKENIZED_BYTES) {
        let tokens = 0;
        for (const text of texts) tokens += countInPieces(text, count);
        return tokens;
      }
      return sampledTokens(texts, chars, count);
    },
  };
}

/**
 * An upper bound of what exactTally counts for the same texts, from their sizes alone: every
 * token holds at least one UTF-8 byte, so text counted whole has at most as many tokens as
 * bytes; sampled text is charged its samples' tokens per UTF-16 unit, which is at most their
 * bytes per unit: 1 for ASCII, never more than 3.
 */
export function boundTally(): TokenTally {
  let chars = 0;
  let bytes = 0;
  return {
    add(text) {
      chars += text.length;
      bytes += Buffer.byteLength(text, "utf8");
    },
    total() {
      if (chars <= MAX_TOKENIZED_BYTES && bytes <= MAX_TOKENIZED_BYTES) return bytes;
      return bytes === chars ? chars : 3 * chars;
    },
  };
}

export function approximateTally(): TokenTally {
  let tokens = 0;
  return {
    add(text) {
      tokens += approximateTextTokens(text);
    },
    total() {
      return Math.ceil(tokens);
    },
  };
}

/** Tokenizes SAMPLES windows centred at evenly spaced offsets of the texts laid end to end. */
function sampledTokens(texts: readonly string[], totalChars: number, count: CountText): number {
  const stride = totalChars / SAMPLES;
  let sampledChars = 0;
  let sampledTokens = 0;
  let index = 0;
  let offset = 0; // where texts[index] starts in the whole
  for (let k = 0; k < SAMPLES; k += 1) {
    const at = Math.floor((k + 0.5) * stride);
    while (index < texts.length - 1 && offset + (texts[index]?.length ?? 0) <= at) {
      offset += texts[index]?.length ?? 0;
      index += 1;
    }
    const text = texts[index] ?? "";
    const centre = at - offset;
    const from = codePointStart(text, Math.max(0, centre - SAMPLE_BYTES / 2));
    const start = wordStart(text, from);
    const end = wordEnd(text, takeBytes(text, from, SAMPLE_BYTES));
    if (end <= start) continue;
    sampledChars += end - start;
    sampledTokens += countInPieces(text.slice(start, end), count);
  }
  if (sampledChars === 0) return Math.ceil(totalChars / 4);
  return Math.ceil((sampledTokens / sampledChars) * totalChars);
}

function countInPieces(text: string, count: CountText): number {
  let tokens = 0;
  for (const piece of bpePieces(text)) tokens += count(piece);
  return tokens;
}

function utf8Bytes(texts: readonly string[]): number {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, "utf8");
  return bytes;
}

/** Where a window starting at `from` ends so that it holds at most `maxBytes` of UTF-8. */
function takeBytes(text: string, from: number, maxBytes: number): number {
  let bytes = 0;
  let at = from;
  while (at < text.length) {
    const size = utf8Size(text, at);
    if (bytes + size > maxBytes) break;
    bytes += size;
    at += size === 4 ? 2 : 1;
  }
  return at;
}

/** `at`, or one further if it would split a surrogate pair. */
function codePointStart(text: string, at: number): number {
  const c = text.charCodeAt(at);
  return c >= 0xdc00 && c <= 0xdfff && at > 0 && utf8Size(text, at - 1) === 4 ? at + 1 : at;
}

// A window cut mid-word tokenizes worse than the whole text; look a little way for a space
// (only a little way: a text without spaces must not be searched to its end for every window).
function wordStart(text: string, from: number): number {
  if (from === 0) return 0;
  const last = Math.min(text.length - 1, from + WORD_SEARCH);
  for (let at = from; at <= last; at += 1) if (text.charCodeAt(at) === SPACE) return at;
  return from;
}

function wordEnd(text: string, to: number): number {
  if (to >= text.length) return text.length;
  const first = Math.max(0, to - WORD_SEARCH);
  for (let at = to; at >= first; at -= 1) if (text.charCodeAt(at) === SPACE) return at;
  return to;
}

export function approximateTextTokens(text: string): number {
  let ascii = 0;
  let wide = 0;
  let other = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii += 1;
    else if (isWide(c)) wide += 1;
    else other += 1;
  }
  return ascii / 4 + other / 2.5 + wide;
}

/** CJK ideographs and punctuation, kana, hangul, full-width forms: about a token each. */
function isWide(c: number): boolean {
  return (
    (c >= 0x2e80 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xffef)
  );
}
