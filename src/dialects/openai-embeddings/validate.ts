// Checks an embeddings request against the OpenAI schema before anything else touches it. Every
// refusal is a 400 naming the field, so bad input never reaches an upstream (or a 500).
import { invalidRequest } from "../../http/errors.ts";
import type { EmbeddingsRequest } from "../../providers/types.ts";

/** OpenAI's cap on inputs per request. */
export const MAX_INPUTS = 2048;
const ENCODINGS = new Set(["float", "base64"]);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function validateEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  if (!isObject(body)) throw invalidRequest("request body must be a JSON object");
  const model = body["model"];
  if (model === undefined) throw invalidRequest("you must provide a model parameter", "model", "missing_required_parameter");
  if (typeof model !== "string" || model.length === 0) throw invalidRequest("model must be a non-empty string", "model");
  checkInput(body["input"]);

  const encoding = body["encoding_format"];
  if (encoding !== undefined && encoding !== null && !(typeof encoding === "string" && ENCODINGS.has(encoding))) {
    throw invalidRequest("encoding_format must be 'float' or 'base64'", "encoding_format");
  }
  const dimensions = body["dimensions"];
  if (dimensions !== undefined && dimensions !== null && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) {
    throw invalidRequest("dimensions must be a positive integer", "dimensions");
  }
  const user = body["user"];
  if (user !== undefined && user !== null && typeof user !== "string") throw invalidRequest("user must be a string", "user");
  return body as unknown as EmbeddingsRequest;
}

/** A string, an array of strings, a token array, or an array of token arrays; nothing empty. */
function checkInput(input: unknown): void {
  if (input === undefined || input === null) throw invalidRequest("you must provide an input parameter", "input", "missing_required_parameter");
  if (typeof input === "string") {
    if (input.length === 0) throw invalidRequest("input must not be an empty string", "input");
    return;
  }
  if (!Array.isArray(input)) throw invalidRequest("input must be a string, an array of strings, or an array of token arrays", "input");
  if (input.length === 0) throw invalidRequest("input must not be an empty array", "input");
  if (input.length > MAX_INPUTS) throw invalidRequest(`input has ${input.length} items; at most ${MAX_INPUTS} are allowed`, "input");
  // One token array: a flat list of integers is a single input.
  if (typeof input[0] === "number") {
    checkTokens(input, "input");
    return;
  }
  const strings = typeof input[0] === "string";
  input.forEach((item: unknown, i) => {
    const at = `input[${i}]`;
    if (strings) {
      if (typeof item !== "string") throw invalidRequest(`${at} must be a string, like the other inputs`, at);
      if (item.length === 0) throw invalidRequest(`${at} must not be an empty string`, at);
      return;
    }
    if (!Array.isArray(item)) throw invalidRequest(`${at} must be a token array, like the other inputs`, at);
    if (item.length === 0) throw invalidRequest(`${at} must not be an empty token array`, at);
    checkTokens(item, at);
  });
}

function checkTokens(tokens: readonly unknown[], at: string): void {
  const bad = tokens.findIndex((t) => !Number.isInteger(t) || (t as number) < 0);
  if (bad !== -1) throw invalidRequest(`${at}[${bad}] must be a non-negative integer token`, `${at}[${bad}]`);
}
