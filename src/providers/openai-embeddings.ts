// OpenAI's embeddings answer (`{object: "list", data: [{index, embedding}], usage}`) as an
// EmbeddingsResult, for the upstreams that speak OpenAI's wire (OpenAI and compatibles, Azure).
// Vectors stay in the form the upstream sent (float arrays or base64 strings), placed by `index`.
import { malformedAnswer } from "./embeddings-check.ts";
import type { EmbeddingsResult, EmbeddingVector } from "./types.ts";

export function fromOpenAIEmbeddings(body: unknown, provider: string): EmbeddingsResult {
  const data: unknown = isObject(body) ? body["data"] : undefined;
  if (!Array.isArray(data)) throw malformedAnswer(provider, "no `data` list");
  const embeddings: EmbeddingVector[] = [];
  const placed = new Set<number>();
  data.forEach((item: unknown, position) => {
    const index: unknown = isObject(item) ? (item["index"] ?? position) : undefined;
    const embedding: unknown = isObject(item) ? item["embedding"] : undefined;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= data.length || placed.has(index)) {
      throw malformedAnswer(provider, `data[${position}] has no usable index`);
    }
    if (typeof embedding !== "string" && !Array.isArray(embedding)) throw malformedAnswer(provider, `data[${position}] has no embedding`);
    placed.add(index);
    // Elements are checked by checkEmbeddings, which every answer goes through.
    embeddings[index] = embedding as EmbeddingVector;
  });
  return { embeddings, usage: usageOf(isObject(body) ? body["usage"] : undefined) };
}

function usageOf(usage: unknown): EmbeddingsResult["usage"] {
  if (!isObject(usage)) return undefined;
  const prompt = usage["prompt_tokens"];
  const total = usage["total_tokens"];
  if (typeof prompt !== "number") return undefined;
  return { prompt_tokens: prompt, total_tokens: typeof total === "number" ? total : prompt };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
