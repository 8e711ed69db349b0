// The client's strings in a Messages body, for the content detectors: on the native lane the
// body goes upstream whole, so every string in it counts (system blocks, turns, tool inputs and
// results, tool definitions, fields the gateway does not know), object keys included, numbers
// as their JSON text. Skipped: `model` (replaced), the API's own grammar words, and opaque
// payloads that are not text (base64 media, thinking signatures, redacted thinking). The text
// blocks of one turn are also read run together, so a pattern split across blocks still matches.
// Linear in the body.
type Json = Record<string, unknown>;

const GRAMMAR: ReadonlySet<string> = new Set([
  "model", "max_tokens", "messages", "role", "content", "system", "stream", "stop_sequences", "temperature", "top_p",
  "top_k", "metadata", "user_id", "tools", "tool_choice", "thinking", "output_config", "cache_control", "service_tier",
  "type", "text", "image", "document", "source", "media_type", "url", "base64", "tool_use", "tool_result", "tool_use_id",
  "id", "name", "input", "input_schema", "description", "is_error", "ephemeral", "ttl", "user", "assistant", "auto",
  "any", "none", "tool", "enabled", "adaptive", "disabled", "budget_tokens", "effort", "format", "json_schema",
  "schema", "strict", "signature", "redacted_thinking", "citations", "disable_parallel_tool_use", "low", "medium", "high",
  "properties", "items", "enum", "const", "additionalProperties", "anyOf", "oneOf", "allOf", "$ref", "$defs", "required",
  "default", "title", "pattern", "minimum", "maximum", "object", "string", "number", "integer", "boolean", "array", "null",
]);
const LONGEST_WORD = Math.max(...[...GRAMMAR].map((word) => word.length));

export function bodyText(body: Readonly<Json>): Iterable<string> {
  return new BodyText(body);
}

class BodyText implements Iterable<string> {
  readonly #body: Readonly<Json>;

  constructor(body: Readonly<Json>) {
    this.#body = body;
  }

  [Symbol.iterator](): Iterator<string> {
    return textOf(this.#body).values();
  }
}

function textOf(body: Readonly<Json>): string[] {
  const out: string[] = [];
  for (const field of Object.keys(body)) {
    if (field === "model") continue;
    addString(field, out);
    const value = body[field];
    addJson(value, out);
    if (field === "messages" && Array.isArray(value)) for (const message of value) addJoinedText(message, out);
  }
  return out;
}

/** A turn's text blocks run together, as the model reads them. */
function addJoinedText(message: unknown, out: string[]): void {
  const content = isObject(message) ? message["content"] : undefined;
  if (!Array.isArray(content)) return;
  let joined: string | undefined;
  let count = 0;
  for (const block of content) {
    const text = isObject(block) ? block["text"] : undefined;
    if (typeof text !== "string") continue;
    joined = joined === undefined ? text : joined + text;
    count += 1;
  }
  if (count > 1) out.push(joined as string);
}

/**
 * Strings, keys and numbers of a JSON value, depth-first in document order. Recursive: the body
 * has its nesting checked at the door (json-depth.ts), so the stack it takes is bounded.
 */
function addJson(value: unknown, out: string[]): void {
  if (typeof value === "string") addString(value, out);
  else if (typeof value === "number") out.push(String(value));
  else if (Array.isArray(value)) for (const item of value) addJson(item, out);
  else if (isObject(value)) {
    for (const field of Object.keys(value)) {
      if (opaque(value, field)) continue;
      addString(field, out);
      addJson(value[field], out);
    }
  }
}

function addString(value: string, out: string[]): void {
  if (value.length > LONGEST_WORD || !GRAMMAR.has(value)) out.push(value);
}

/** Encoded bytes and signatures: not text a pattern could read. */
function opaque(object: Json, field: string): boolean {
  if (field === "signature") return true;
  if (field !== "data") return false;
  return object["type"] === "base64" || object["type"] === "redacted_thinking";
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
