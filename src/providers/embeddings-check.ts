// Every embeddings answer is checked before it reaches a client: one vector per input, each of
// the asked width, made of finite numbers. A batch collapsed into one vector, or a vector cut to
// a quarter of its width, would otherwise land silently in the caller's vector index.
import { UpstreamError } from "./errors.ts";
import { embeddingInputs } from "./embeddings-input.ts";
import type { EmbeddingsRequest, EmbeddingsResult, EmbeddingVector } from "./types.ts";

/** A 2xx answer that breaks the contract: 502, not retried on the same target, other targets may serve. */
export function malformedAnswer(provider: string, detail: string): UpstreamError {
  return new UpstreamError({ provider, status: 502, failure: "malformed", message: `${provider} sent a malformed embeddings answer: ${detail}` });
}

export function checkEmbeddings(req: EmbeddingsRequest, result: EmbeddingsResult, provider: string): void {
  const expected = embeddingInputs(req.input).length;
  if (result.embeddings.length !== expected) {
    throw malformedAnswer(provider, `${result.embeddings.length} vectors for ${expected} inputs`);
  }
  let width: number | undefined;
  result.embeddings.forEach((vector, i) => {
    const w = widthOf(vector);
    if (w === undefined) throw malformedAnswer(provider, `vector ${i} is not ${typeof vector === "string" ? "base64 of float32 values" : "a list of finite numbers"}`);
    if (w === 0) throw malformedAnswer(provider, `vector ${i} is empty`);
    if (req.dimensions !== undefined && w !== req.dimensions) {
      throw malformedAnswer(provider, `vector ${i} has ${w} dimensions, ${req.dimensions} were asked for`);
    }
    // One model gives one width: a vector of another width is a cut or padded one.
    if (width !== undefined && w !== width) throw malformedAnswer(provider, `vector ${i} has ${w} dimensions, vector 0 has ${width}`);
    width = w;
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The vector's width, or undefined when it is not a valid vector. */
function widthOf(vector: EmbeddingVector): number | undefined {
  if (typeof vector !== "string") {
    // Typed as numbers, but built from upstream JSON: checked as what it may really be.
    const values: unknown = vector;
    if (!Array.isArray(values)) return undefined;
    return values.every((v) => typeof v === "number" && Number.isFinite(v)) ? values.length : undefined;
  }
  const bytes = decodeBase64(vector);
  if (bytes.length % 4 !== 0) return undefined;
  if (!wholeBase64(vector, bytes.length) && (vector.length % 4 !== 0 || !BASE64.test(vector))) return undefined;
  return allFinite(bytes) ? bytes.length / 4 : undefined;
}

/** Room for decoded vectors up to this size is kept and reused, so a check allocates nothing. */
const SCRATCH_BYTES = 64 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

/** What Buffer.from(text, "base64") gives, valid until the next call: the decoder writes into reused room. */
function decodeBase64(text: string): Buffer {
  const room = Math.ceil(text.length / 4) * 3;
  if (room > SCRATCH_BYTES) return Buffer.from(text, "base64");
  if (scratch.length < room) scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return scratch.subarray(0, scratch.write(text, 0, "base64"));
}

/**
 * Whether `text` is base64 of the standard alphabet, from what Node made of it: its decoder skips
 * what is not base64 (so the bytes come out short) except the URL-safe `-` and `_`, which it
 * reads as `+` and `/`. Native scans instead of a regular expression over every character (about
 * 60 µs per 1536-wide vector); what fails here gets the regular expression, so the same texts
 * are accepted as before.
 */
function wholeBase64(text: string, decoded: number): boolean {
  if (text.length % 4 !== 0) return false;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return decoded === (text.length / 4) * 3 - padding && !text.includes("-") && !text.includes("_");
}

/**
 * Whether every little-endian float32 in `bytes` is finite: NaN and ±Infinity are the values
 * whose 8 exponent bits are all ones (the low 7 bits of byte 3 and the top bit of byte 2). Read
 * from the bytes, not decoded to numbers; four at a time as one 32-bit word where the host is
 * little-endian and the bytes are aligned (a decoded vector nearly always is).
 */
function allFinite(bytes: Uint8Array): boolean {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    for (let i = 0; i < words.length; i++) {
      if (((words[i] as number) & EXPONENT) === EXPONENT) return false;
    }
    return true;
  }
  for (let at = 0; at < bytes.length; at += 4) {
    if (((bytes[at + 3] as number) & 0x7f) === 0x7f && ((bytes[at + 2] as number) & 0x80) !== 0) return false;
  }
  return true;
}

const EXPONENT = 0x7f800000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
