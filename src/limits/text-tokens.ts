// Counting the tokens of a request's text, two ways. A tally collects every text of one
// request (message contents, names, tool schemas...) and counts them together at the end.
//
// OpenAI-family models: the real o200k_base tokenizer (gpt-4o, gpt-4.1, gpt-5, o-series;
// older cl100k models count within a few percent of it, so one vocabulary is loaded, not two).
// Tokenizing costs about 0.1-0.3 ms per 1,000 characters and runs on every limited request,
// so it is bounded: up to EXACT_BUDGET_CHARS of text is counted exactly; above that, the
// request's text is treated as one long string and SAMPLES windows spread evenly over it are
// tokenized (stratified sampling, 64 x 256 characters whatever the body size), and their
// tokens-per-character ratio is applied to the whole. Spreading the windows over all the text
// keeps mixed content (prose, code, base64-looking ids) within a few percent.
//
// Other models (their tokenizers are not public or not in JS): a character approximation,
// 4 ASCII characters per token, 2.5 other characters per token, and one token per CJK /
// kana / hangul character. It errs on the high side for non-English text, which suits a limit.
//
// The vocabulary takes ~300 ms to load, more than the rest of the gateway's start together, so
// it loads in the background once the server listens; until it has, requests are counted with
// the approximation.

const EXACT_BUDGET_CHARS = 24_000;
const SAMPLES = 64;
const SAMPLE_CHARS = 256;
// User text is text: "<|endoftext|>" in a prompt is ordinary characters, not a control token.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

let countTokens: ((text: string, options: typeof AS_TEXT) => number) | undefined;

export async function loadTokenizer(): Promise<void> {
  countTokens ??= (await import("gpt-tokenizer/encoding/o200k_base")).countTokens;
}

export interface TokenTally {
  add(text: string): void;
  total(): number;
}

/** Counts one text exactly; `exactTally` takes it as a parameter so its work can be observed. */
export type CountText = (text: string) => number;

export function openAITally(): TokenTally {
  const count = countTokens;
  return count ? exactTally((text) => count(text, AS_TEXT)) : approximateTally();
}

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
      if (chars <= EXACT_BUDGET_CHARS) {
        let tokens = 0;
        for (const text of texts) tokens += count(text);
        return tokens;
      }
      return sampledTokens(texts, chars, count);
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
    const start = wordStart(text, Math.max(0, centre - SAMPLE_CHARS / 2));
    const end = wordEnd(text, Math.min(text.length, centre + SAMPLE_CHARS / 2));
    if (end <= start) continue;
    sampledChars += end - start;
    sampledTokens += count(text.slice(start, end));
  }
  if (sampledChars === 0) return Math.ceil(totalChars / 4);
  return Math.ceil((sampledTokens / sampledChars) * totalChars);
}

// A window cut mid-word tokenizes worse than the whole text; look a little way for a space.
function wordStart(text: string, from: number): number {
  if (from === 0) return 0;
  const space = text.indexOf(" ", from);
  return space === -1 || space - from > 16 ? from : space;
}

function wordEnd(text: string, to: number): number {
  if (to >= text.length) return text.length;
  const space = text.lastIndexOf(" ", to);
  return space === -1 || to - space > 16 ? to : space;
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
