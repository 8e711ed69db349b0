// Embeddings on Gemini: `batchEmbedContents` through the SDK's `models.embedContent`, which the
// Developer API always serves with that call. Each input is its own content (a string list would
// be merged into one content of many parts for some models: one vector for the whole batch),
// at most 100 per call as the API allows, answers joined in input order. Gemini reports no usage.
import type { EmbedContentParameters } from "@google/genai";
import { malformedAnswer } from "../embeddings-check.ts";
import { refuseUnknownFields, textInputs } from "../embeddings-input.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../types.ts";

/** Gemini refuses more requests than this in one batchEmbedContents call. */
export const GEMINI_EMBED_BATCH_LIMIT = 100;

/** What the adapter reads of an EmbedContentResponse; recorded wire JSON fits it too. */
export interface GeminiEmbedResponse {
  embeddings?: { values?: number[] | undefined }[] | undefined;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(["model", "input", "dimensions", "encoding_format", "user"]);

/** The SDK calls for one request, in input order; `dimensions` becomes `outputDimensionality`. */
export function toGeminiEmbedCalls(req: EmbeddingsRequest, model: string, provider: string): EmbedContentParameters[] {
  refuseUnknownFields(req, provider, KNOWN_FIELDS);
  const texts = textInputs(req, provider);
  const calls: EmbedContentParameters[] = [];
  for (let start = 0; start < texts.length; start += GEMINI_EMBED_BATCH_LIMIT) {
    calls.push({
      model,
      contents: texts.slice(start, start + GEMINI_EMBED_BATCH_LIMIT).map((text) => ({ parts: [{ text }] })),
      config: req.dimensions === undefined ? {} : { outputDimensionality: req.dimensions },
    });
  }
  return calls;
}

/** The answers of those calls (same order) as one result; a call answered with another count is malformed. */
export function fromGeminiEmbeddings(calls: readonly EmbedContentParameters[], answers: readonly GeminiEmbedResponse[], provider: string): EmbeddingsResult {
  const embeddings = calls.flatMap((call, i) => {
    const asked = Array.isArray(call.contents) ? call.contents.length : 1;
    const got = answers[i]?.embeddings ?? [];
    // Checked per call: a short batch and a long one elsewhere would otherwise shift vectors onto the wrong inputs.
    if (got.length !== asked) throw malformedAnswer(provider, `batch ${i} has ${got.length} vectors for ${asked} inputs`);
    return got.map((embedding) => embedding.values ?? []);
  });
  return { embeddings, usage: undefined };
}
