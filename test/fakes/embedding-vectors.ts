// Deterministic embeddings for the fake upstreams: each input's vector is a seeded function of the
// input alone, so tests can compute the exact vector a text must come back with, whichever fake
// served it and wherever it sat in the batch. Components are multiples of 1/1024 in [-1, 1]: exact
// in float32, so float JSON and base64 of float32 carry the very same numbers. A shorter vector
// is a prefix of a longer one, as with `dimensions` on real models.
import type { ScriptedEmbeddings } from "./fake-upstream.ts";

export const FAKE_EMBEDDING_WIDTH = 16;

export type FakeEmbeddingInput = string | readonly number[];

/** The vector the fakes return for this input (a text, or a token array). */
export function fakeEmbedding(input: FakeEmbeddingInput, width: number = FAKE_EMBEDDING_WIDTH): number[] {
  const next = mulberry32(fnv1a(typeof input === "string" ? `text:${input}` : `tokens:${input.join(",")}`));
  return Array.from({ length: width }, () => Math.round((next() * 2 - 1) * 1024) / 1024);
}

/** The prompt tokens the fakes report: words of a text (at least one), entries of a token array. */
export function fakeTokenCount(inputs: readonly FakeEmbeddingInput[]): number {
  return inputs.reduce((sum, input) => sum + (typeof input === "string" ? Math.max(1, input.split(/\s+/).filter(Boolean).length) : input.length), 0);
}

/** Base64 of little-endian float32 values: OpenAI's `encoding_format: "base64"`. */
export function float32Base64(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString("base64");
}

/** The vectors an answer carries: one per input at the asked width, unless a step scripts a fault. */
export function fakeEmbeddings(inputs: readonly FakeEmbeddingInput[], dimensions: number | undefined, script: ScriptedEmbeddings = {}): number[][] {
  const width = script.width ?? dimensions ?? FAKE_EMBEDDING_WIDTH;
  const vectors = inputs.map((input) => fakeEmbedding(input, width));
  if (script.count === undefined) return vectors;
  return Array.from({ length: script.count }, (_, i) => vectors[Math.min(i, vectors.length - 1)] ?? fakeEmbedding("", width));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
