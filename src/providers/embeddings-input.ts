// An embeddings request's `input` as a list of items, whatever form the client sent it in, and
// the text-only view that upstreams without token-array input (Gemini, Ollama) need.
import { GatewayInputError } from "./input-error.ts";
import type { CallOptions, EmbeddingsRequest } from "./types.ts";

/** One input: a text, or a token array. */
export type EmbeddingInput = string | readonly number[];

/** `input` as items: a string or one token array is one item; an array of either, one per entry. */
export function embeddingInputs(input: EmbeddingsRequest["input"]): readonly EmbeddingInput[] {
  if (typeof input === "string") return [input];
  // A flat number array is one tokenised input, not many.
  if (input.length > 0 && typeof input[0] === "number") return [input as readonly number[]];
  return input as readonly EmbeddingInput[];
}

/**
 * The inputs as texts, for an upstream that takes text only. Token arrays are refused (another
 * target may take them) and so are empty strings, which embedding APIs reject or answer with no
 * vector at all.
 */
export function textInputs(req: EmbeddingsRequest, provider: string): string[] {
  return embeddingInputs(req.input).map((item, i) => {
    const param = typeof req.input === "string" ? "input" : `input[${i}]`;
    if (typeof item !== "string") {
      throw new GatewayInputError(`token-array input is not supported by ${provider}; send text`, "input");
    }
    if (item === "") throw new GatewayInputError(`${param} is an empty string, which ${provider} cannot embed`, param);
    return item;
  });
}

/**
 * Refuses request fields this upstream has no counterpart for. `encoding_format` is the
 * gateway's to honour and `user` only tags the call (see warnUserIgnored), so neither changes
 * what is embedded.
 */
export function refuseUnknownFields(req: EmbeddingsRequest, provider: string, known: ReadonlySet<string>): void {
  for (const field of Object.keys(req)) {
    if (!known.has(field) && req[field] !== undefined) {
      throw new GatewayInputError(`${field} is not supported by ${provider} embeddings`, field);
    }
  }
}

/** `user` only tags the call for the provider's abuse monitoring: dropped where there is no such field, and said so. */
export function warnUserIgnored(req: EmbeddingsRequest, provider: string, call: CallOptions): void {
  if (req.user !== undefined) call.warn?.(`user ignored: ${provider} embeddings take no end-user id`);
}
