// Embeddings on Ollama: `POST /api/embed` with the inputs as a list. `truncate: false` makes an
// input longer than the model's context an error rather than a vector of its silently cut head;
// prompt tokens come from `prompt_eval_count`. (The older `/api/embeddings` takes one prompt,
// returns unnormalised vectors and no token count.)
import type { EmbedRequest } from "ollama";
import { malformedAnswer } from "../embeddings-check.ts";
import { refuseUnknownFields, textInputs } from "../embeddings-input.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../types.ts";

/** The slice of Ollama's `/api/embed` answer the adapter reads. */
export interface OllamaEmbedResponse {
  model?: string;
  embeddings?: number[][];
  prompt_eval_count?: number;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(["model", "input", "dimensions", "encoding_format", "user"]);

export function toOllamaEmbedRequest(req: EmbeddingsRequest, model: string, provider: string, keepAlive: string | undefined): EmbedRequest {
  refuseUnknownFields(req, provider, KNOWN_FIELDS);
  return {
    model,
    input: textInputs(req, provider),
    truncate: false,
    ...(req.dimensions === undefined ? {} : { dimensions: req.dimensions }),
    ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
  };
}

export function fromOllamaEmbed(res: OllamaEmbedResponse, provider: string): EmbeddingsResult {
  if (!Array.isArray(res.embeddings)) throw malformedAnswer(provider, "no `embeddings` list");
  const tokens = res.prompt_eval_count;
  return {
    embeddings: res.embeddings,
    usage: typeof tokens === "number" ? { prompt_tokens: tokens, total_tokens: tokens } : undefined,
  };
}
