// OpenAI's embeddings answer read from its bytes. Base64 vectors are nearly all of an answer
// (8 × 1536 wide is 66 KB): decoding the whole body to a string and parsing it would copy every
// vector twice more, so each vector's text is cut out of the buffer instead, and only the rest
// (the skeleton: indexes, usage, model) goes through JSON.parse.
//
// Sound only without escapes: with no backslash in the body every JSON string ends at its next
// quote, so `"embedding": "` is either a key and the start of its string value (cut out up to
// the next quote) or a spot where the body is not JSON (and neither is the skeleton, which keeps
// every byte before it). A body with a backslash anywhere is parsed whole, as before.
import { malformedAnswer } from "./embeddings-check.ts";
import { fromOpenAIEmbeddings } from "./openai-embeddings.ts";
import type { EmbeddingsResult } from "./types.ts";

const KEY = Buffer.from('"embedding"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

export function readOpenAIEmbeddings(bytes: Buffer, provider: string): EmbeddingsResult {
  // A UTF-8 byte order mark is skipped, as a text decode of the body skips it.
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const vectors = bytes.indexOf(BACKSLASH, start) === -1 ? stringVectors(bytes, start) : [];
  if (vectors.length === 0) return fromOpenAIEmbeddings(parsed(bytes.toString("utf8", start), provider), provider);
  // The skeleton: the body with each vector's text replaced by its number among the cut-outs.
  let skeleton = "";
  let at = start;
  vectors.forEach(([from, to], n) => {
    skeleton += `${bytes.toString("utf8", at, from)}${n}`;
    at = to;
  });
  const body = parsed(skeleton + bytes.toString("utf8", at), provider);
  // Every string under an `embedding` key in the skeleton is a cut-out's number.
  const data: unknown = isObject(body) ? body["data"] : undefined;
  if (Array.isArray(data)) {
    for (const item of data as unknown[]) {
      if (!isObject(item) || typeof item["embedding"] !== "string") continue;
      const [from, to] = vectors[Number(item["embedding"])] as [number, number];
      item["embedding"] = bytes.toString("utf8", from, to);
    }
  }
  return fromOpenAIEmbeddings(body, provider);
}

/** Byte ranges of the text of every string value under an `embedding` key, in body order. */
function stringVectors(bytes: Buffer, start: number): [number, number][] {
  const ranges: [number, number][] = [];
  let at = bytes.indexOf(KEY, start);
  while (at !== -1) {
    let p = skipSpace(bytes, at + KEY.length);
    if (bytes[p] === COLON) {
      p = skipSpace(bytes, p + 1);
      if (bytes[p] === QUOTE) {
        const end = bytes.indexOf(QUOTE, p + 1);
        // An unterminated string: the body is not JSON, which the whole parse reports.
        if (end === -1) return [];
        ranges.push([p + 1, end]);
        p = end + 1;
      }
    }
    at = bytes.indexOf(KEY, p);
  }
  return ranges;
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function skipSpace(bytes: Buffer, at: number): number {
  let p = at;
  for (;;) {
    const c = bytes[p];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return p;
    p++;
  }
}

function parsed(text: string, provider: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformedAnswer(provider, "the body is not JSON");
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
