// The text of a chat (or embeddings) request that reaches an upstream, for the content detectors: every string
// the client supplied, wherever it sits (message content and names, refusals, tool calls and
// their arguments, tool definitions, response_format schemas, metadata, stop, prediction, image
// URLs, fields the gateway does not know, which compatible upstreams receive unchanged), object
// keys included, and numbers as the JSON text they travel as. A front door that forwards a wire
// body of its own hands the router its own `Iterable<string>` over that body instead.
//
// In document order, iterative (no nesting depth can overflow it) and linear in the body.
import type { MeasuredRequest } from "./features.ts";
import { ROUTING_HINTS } from "./hints.ts";

type Json = Record<string, unknown>;

/**
 * Words of the API's own grammar (field names, roles, part types, enum values, JSON Schema
 * keywords). They carry nothing of the client's wherever they appear, and skipping them keeps a
 * detector from firing on the shape of every request.
 */
const GRAMMAR: ReadonlySet<string> = new Set([
  // request and message fields
  "model", "messages", "role", "content", "name", "refusal", "tool_calls", "tool_call_id", "function_call", "audio",
  "stream", "stream_options", "include_usage", "temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens",
  "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "metadata", "store",
  "tools", "functions", "tool_choice", "parallel_tool_calls", "response_format", "json_schema", "schema", "strict",
  "reasoning_effort", "modalities", "prediction", "service_tier", "web_search_options", "verbosity", "prompt_cache_key",
  "safety_identifier", "id", "type", "function", "custom", "arguments", "description", "parameters", "allowed_tools", "mode",
  // roles, content parts, enum values
  "system", "developer", "assistant", "tool", "text", "image_url", "url", "detail", "input_audio", "data", "format", "file",
  "file_data", "file_id", "filename", "auto", "none", "required", "low", "medium", "high", "json_object",
  // JSON Schema
  "properties", "items", "enum", "const", "additionalProperties", "anyOf", "oneOf", "allOf", "$ref", "$defs", "definitions",
  "default", "title", "pattern", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength", "nullable",
  "object", "string", "number", "integer", "boolean", "array", "null",
]);

const LONGEST_WORD = Math.max(...[...GRAMMAR].map((word) => word.length));

/**
 * Every client-supplied string of `req` that goes upstream, in order. Nothing is read until the
 * iterable is, and then all at once: collecting into an array costs a fraction of what yielding
 * string by string through generators would, on a path every request takes.
 */
export function requestText(req: MeasuredRequest): Iterable<string> {
  return new RequestText(req);
}

/** The same reading of any front door's JSON body: for a door that forwards a wire format of its own. */
export function bodyText(body: Readonly<Json>): Iterable<string> {
  return new RequestText(body);
}

// A class rather than an object literal with a computed iterator key: V8 iterates the literal
// several times slower, which shows on a small request.
class RequestText implements Iterable<string> {
  readonly #req: MeasuredRequest | Readonly<Json>;

  constructor(req: MeasuredRequest | Readonly<Json>) {
    this.#req = req;
  }

  [Symbol.iterator](): Iterator<string> {
    return textOf(this.#req).values();
  }
}

function textOf(req: MeasuredRequest | Readonly<Json>): string[] {
  const out: string[] = [];
  const body = req as Json;
  for (const field of Object.keys(body)) {
    const value = body[field];
    // The target's model replaces the public name before anything goes upstream.
    if (field === "model") continue;
    if (field === "messages" && Array.isArray(value)) {
      for (const message of value) addMessage(message, out);
    } else if (field === "metadata" && isObject(value)) {
      // The routing hints are taken out before the request goes upstream (hints.ts).
      addFields(value, out, (name) => ROUTING_HINTS.includes(name));
    } else {
      addJson(field, out);
      addJson(value, out);
    }
  }
  return out;
}

function addMessage(message: unknown, out: string[]): void {
  if (!isObject(message)) {
    addJson(message, out);
    return;
  }
  for (const field of Object.keys(message)) {
    const value = message[field];
    if (field === "content" && Array.isArray(value)) {
      addParts(value, out);
      continue;
    }
    addJson(field, out);
    addJson(value, out);
    if (field === "tool_calls" && Array.isArray(value)) for (const call of value) addArguments(isObject(call) ? call["function"] : undefined, out);
    else if (field === "function_call") addArguments(value, out);
  }
}

/**
 * Tool call arguments are JSON text, read as they are like any string. A value with escapes in
 * it (`Project\nFalcon`, `\u0034111`) reads differently decoded, so then its decoded strings are
 * read too (JSON.parse does not recurse, whatever the nesting).
 */
function addArguments(fn: unknown, out: string[]): void {
  const args = isObject(fn) ? fn["arguments"] : undefined;
  if (typeof args !== "string" || !args.includes("\\")) return;
  let decoded: unknown;
  try {
    decoded = JSON.parse(args);
  } catch {
    return; // not JSON: read as it is, above
  }
  addJson(decoded, out);
}

/**
 * The parts of one message, each alone, then the text of all its text parts run together as
 * the model reads them, so text split across parts ("4111 1111" + " 1111 1111 1111") is matched
 * as well as text whose match depends on its own start or end (anchors, word boundaries).
 */
function addParts(parts: readonly unknown[], out: string[]): void {
  const texts: string[] = [];
  for (const part of parts) {
    if (!isObject(part)) {
      addJson(part, out);
      continue;
    }
    for (const field of Object.keys(part)) {
      const value = part[field];
      if ((field === "text" || field === "refusal") && typeof value === "string") {
        texts.push(value);
        out.push(value);
      } else if (field === "input_audio" && isObject(value)) {
        // Base64 audio: encoded bytes, not text a pattern could read.
        addFields(value, out, (name) => name === "data");
      } else {
        addJson(field, out);
        addJson(value, out);
      }
    }
  }
  if (texts.length > 1) out.push(texts.join(""));
}

/** The fields of an object (names and values), except those `skip` names. */
function addFields(object: Json, out: string[], skip: (field: string) => boolean): void {
  for (const field of Object.keys(object)) {
    if (skip(field)) continue;
    addJson(field, out);
    addJson(object[field], out);
  }
}

/** Strings, object keys and numbers of any JSON value, depth-first, with an explicit stack. */
function addJson(root: unknown, out: string[]): void {
  if (typeof root !== "object" || root === null) {
    addScalar(root, out);
    return;
  }
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) pending.push(value[i]);
    } else if (isObject(value)) {
      const fields = Object.keys(value);
      // Pushed in reverse, each name after its value, so they come out in document order.
      for (let i = fields.length - 1; i >= 0; i -= 1) {
        const field = fields[i] as string;
        pending.push(value[field], field);
      }
    } else {
      addScalar(value, out);
    }
  }
}

function addScalar(value: unknown, out: string[]): void {
  if (typeof value === "string") {
    if (value.length > LONGEST_WORD || !GRAMMAR.has(value)) out.push(readable(value));
  } else if (typeof value === "number") {
    out.push(String(value));
  }
}

const BASE64_DATA_URL = /^data:[^,]*;base64,/;

/** A base64 `data:` URL (an inline image or file) is read up to its payload: encoded bytes, not text. */
function readable(text: string): string {
  return text.startsWith("data:") ? (BASE64_DATA_URL.exec(text)?.[0] ?? text) : text;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
