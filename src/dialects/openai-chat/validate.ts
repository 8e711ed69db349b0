// Checks a chat completion request against OpenAI's schema (CreateChatCompletionRequest) before
// anything else touches it: every known field of the wrong type is a 400 naming the field, so
// the translating adapters never meet a shape they would throw on. Hand-written rather than a
// schema library: this runs on every request, must not copy the (possibly huge) messages, and
// leaves unknown fields in place for OpenAI-compatible upstreams. Values of open-ended enums
// (reasoning_effort, service_tier, modalities...) are checked for type only, so a value newer
// than this gateway still reaches the upstream that knows it.
import type { ChatRequest } from "../../providers/types.ts";
import { invalidRequest } from "../../http/errors.ts";
import {
  arrayField,
  booleanField,
  enumField,
  isObject,
  numberField,
  objectField,
  objectItems,
  pathOf,
  stringField,
  type Json,
  type NumberRange,
} from "../../http/request-fields.ts";
import { checkMessages } from "../../http/validate-chat-messages.ts";

export function validateChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalidRequest("request body must be a JSON object");
  const model = stringField(body, "model", "", "required");
  if (model === "") throw invalidRequest("model must be a non-empty string", "model");
  checkMessages(arrayField(body, "messages", "", "required", 1) as unknown[]);
  checkFields(body);
  return body as unknown as ChatRequest;
}

type Check = (body: Json) => void;
type FieldCheck = readonly [string, Check];

/** A top-level field of one plain type, checked by name. */
const number = (name: string, range: NumberRange): FieldCheck => [name, (b) => numberField(b, name, "", range)];
const boolean = (name: string): FieldCheck => [name, (b) => booleanField(b, name)];
const string = (name: string): FieldCheck => [name, (b) => stringField(b, name)];
const object = (name: string): FieldCheck => [name, (b) => objectField(b, name)];

// Every known field but model and messages, in the order they are checked. A request names a
// handful of the forty, so only the fields it carries are checked; when one is wrong, all are
// checked again in this order, so a request with several wrong fields hears of the same one
// whatever the order of its keys.
const CHECKS: readonly FieldCheck[] = [
  number("temperature", { min: 0, max: 2 }),
  number("top_p", { min: 0, max: 1 }),
  number("presence_penalty", { min: -2, max: 2 }),
  number("frequency_penalty", { min: -2, max: 2 }),
  number("n", { min: 1, max: 128, integer: true }),
  number("max_tokens", { min: 1, integer: true }),
  number("max_completion_tokens", { min: 1, integer: true }),
  number("seed", { integer: true }),
  number("top_logprobs", { min: 0, max: 20, integer: true }),
  boolean("logprobs"),
  ["logit_bias", checkLogitBias],
  ["stop", (b) => checkStop(b["stop"])],
  string("reasoning_effort"),
  string("verbosity"),
  string("service_tier"),
  boolean("stream"),
  ["stream_options", checkStreamOptions],
  ["modalities", checkModalities],
  ["audio", checkAudio],
  ["prediction", checkPrediction],
  ["moderation", checkModeration],
  ["web_search_options", checkWebSearch],
  boolean("store"),
  boolean("parallel_tool_calls"),
  string("user"),
  string("safety_identifier"),
  string("prompt_cache_key"),
  string("prompt_cache_retention"),
  object("prompt_cache_options"),
  ["tools", checkTools],
  ["tool_choice", checkToolChoice],
  ["functions", checkFunctionList],
  ["function_call", checkFunctionCall],
  ["response_format", checkResponseFormat],
  ["metadata", checkMetadata],
];
// A Map, not an object: a body key such as "constructor" must find nothing.
const CHECK_OF = new Map(CHECKS);

function checkFields(body: Json): void {
  try {
    for (const key in body) CHECK_OF.get(key)?.(body);
  } catch (error) {
    for (const [, check] of CHECKS) check(body);
    throw error;
  }
}

function checkLogitBias(body: Json): void {
  const bias = objectField(body, "logit_bias");
  for (const token of Object.keys(bias ?? {})) numberField(bias as Json, token, "logit_bias", { min: -100, max: 100 }, "nonNull");
}

function checkStop(stop: unknown): void {
  if (stop === undefined || stop === null || typeof stop === "string") return;
  if (!Array.isArray(stop) || stop.length > 4 || !stop.every((s) => typeof s === "string")) {
    throw invalidRequest("stop must be a string or an array of at most 4 strings", "stop");
  }
}

// How the answer is delivered: streaming, modalities, audio, prediction, moderation, search.
function checkStreamOptions(body: Json): void {
  const streamOptions = objectField(body, "stream_options");
  if (streamOptions) {
    booleanField(streamOptions, "include_usage", "stream_options");
    booleanField(streamOptions, "include_obfuscation", "stream_options");
  }
}

function checkModalities(body: Json): void {
  const modalities = arrayField(body, "modalities");
  modalities?.forEach((m, i) => {
    if (typeof m !== "string") throw invalidRequest(`${pathOf("modalities", i)} must be a string`, pathOf("modalities", i));
  });
}

function checkAudio(body: Json): void {
  const audio = objectField(body, "audio");
  if (audio) {
    stringField(audio, "format", "audio", "required");
    const voice = audio["voice"];
    if (typeof voice !== "string" && !(isObject(voice) && typeof voice["id"] === "string")) {
      throw invalidRequest(`audio.voice must be a voice name or {"id": ...}`, "audio.voice");
    }
  }
}

function checkPrediction(body: Json): void {
  const prediction = objectField(body, "prediction");
  if (prediction) {
    enumField(prediction, "type", "prediction", ["content"], "required");
    const content = prediction["content"];
    if (typeof content !== "string") {
      const parts = arrayField(prediction, "content", "prediction", "required", 1) as unknown[];
      for (const [part, at] of objectItems(parts, "prediction.content")) {
        enumField(part, "type", at, ["text"], "required");
        stringField(part, "text", at, "required");
      }
    }
  }
}

function checkModeration(body: Json): void {
  const moderation = objectField(body, "moderation");
  if (moderation) stringField(moderation, "model", "moderation", "required");
}

function checkWebSearch(body: Json): void {
  const search = objectField(body, "web_search_options");
  if (search) {
    stringField(search, "search_context_size", "web_search_options");
    const location = objectField(search, "user_location", "web_search_options");
    if (location) objectField(location, "approximate", "web_search_options.user_location", "required");
  }
}

function checkTools(body: Json): void {
  const tools = arrayField(body, "tools");
  for (const [tool, at] of objectItems(tools ?? [], "tools")) {
    const type = enumField(tool, "type", at, ["function", "custom"], "required");
    const definition = objectField(tool, type as string, at, "required") as Json;
    const defAt = pathOf(at, type as string);
    const name = stringField(definition, "name", defAt, "required");
    if (name === "") throw invalidRequest(`${pathOf(defAt, "name")} must be a non-empty string`, pathOf(defAt, "name"));
    stringField(definition, "description", defAt);
    if (type === "function") {
      objectField(definition, "parameters", defAt);
      booleanField(definition, "strict", defAt);
    } else {
      objectField(definition, "format", defAt);
    }
  }
}

/** Not nullable in the schema: the translating adapters read a present tool_choice as a choice. */
function checkToolChoice(body: Json): void {
  const choice = body["tool_choice"];
  if (choice === undefined || choice === "none" || choice === "auto" || choice === "required") return;
  if (!isObject(choice)) throw invalidRequest(`tool_choice must be "none", "auto", "required" or an object naming a tool`, "tool_choice");
  const type = enumField(choice, "type", "tool_choice", ["function", "custom", "allowed_tools"], "required") as string;
  const named = objectField(choice, type, "tool_choice", "required") as Json;
  if (type !== "allowed_tools") {
    stringField(named, "name", pathOf("tool_choice", type), "required");
    return;
  }
  enumField(named, "mode", "tool_choice.allowed_tools", ["auto", "required"], "required");
  const listed = arrayField(named, "tools", "tool_choice.allowed_tools", "required") as unknown[];
  for (const [tool, at] of objectItems(listed, "tool_choice.allowed_tools.tools")) {
    const listedType = enumField(tool, "type", at, ["function", "custom"], "required") as string;
    stringField(objectField(tool, listedType, at, "required") as Json, "name", pathOf(at, listedType), "required");
  }
}

/** The deprecated `functions` / `function_call` pair, still part of the schema. */
function checkFunctionList(body: Json): void {
  const functions = arrayField(body, "functions", "", "nonNull", 1);
  for (const [fn, at] of objectItems(functions ?? [], "functions")) {
    stringField(fn, "name", at, "required");
    stringField(fn, "description", at);
    objectField(fn, "parameters", at);
  }
}

function checkFunctionCall(body: Json): void {
  const call = body["function_call"];
  if (call === undefined || call === "none" || call === "auto") return;
  if (!isObject(call)) throw invalidRequest(`function_call must be "none", "auto" or {"name": ...}`, "function_call");
  stringField(call, "name", "function_call", "required");
}

function checkResponseFormat(body: Json): void {
  const format = objectField(body, "response_format");
  if (!format) return;
  const type = enumField(format, "type", "response_format", ["text", "json_object", "json_schema"], "required");
  if (type !== "json_schema") return;
  const schema = objectField(format, "json_schema", "response_format", "required") as Json;
  stringField(schema, "name", "response_format.json_schema", "required");
  stringField(schema, "description", "response_format.json_schema");
  objectField(schema, "schema", "response_format.json_schema");
  booleanField(schema, "strict", "response_format.json_schema");
}

/** Up to 16 string pairs in OpenAI's API; the gateway also reads its routing hints here. */
function checkMetadata(body: Json): void {
  const metadata = objectField(body, "metadata");
  for (const key of Object.keys(metadata ?? {})) stringField(metadata as Json, key, "metadata", "nonNull");
}
