// The `messages` of a chat completion request against OpenAI's schema: each role's fields and
// the content parts that role may carry.
import { invalidRequest } from "./errors.ts";
import {
  arrayField,
  enumField,
  isObject,
  objectField,
  objectItems,
  pathOf,
  stringField,
  type Json,
} from "./request-fields.ts";

const ROLES = ["system", "developer", "user", "assistant", "tool", "function"] as const;
type Role = (typeof ROLES)[number];

/** The content part types each role may send, as the schema lists them. */
const PARTS_BY_ROLE: Record<Role, readonly string[]> = {
  system: ["text"],
  developer: ["text"],
  tool: ["text"],
  user: ["text", "image_url", "input_audio", "file"],
  assistant: ["text", "refusal"],
  function: [],
};

export function checkMessages(messages: readonly unknown[]): void {
  // Most conversations are plain text turns, accepted here without building a path per message;
  // anything else takes the full check, from the first message, so errors come out as before.
  if (messages.every(isPlainTurn)) return;
  for (const [message, at] of objectItems(messages, "messages")) checkMessage(message, at);
}

/** A system, developer, user or assistant turn of text alone, which checkMessage accepts. */
function isPlainTurn(message: unknown): boolean {
  if (!isObject(message) || typeof message["content"] !== "string") return false;
  const name = message["name"];
  if (name !== undefined && name !== null && typeof name !== "string") return false;
  switch (message["role"]) {
    case "system":
    case "developer":
    case "user":
      return true;
    case "assistant":
      return message["tool_calls"] === undefined && message["function_call"] === undefined && message["refusal"] === undefined && message["audio"] === undefined;
    default:
      return false;
  }
}

function checkMessage(message: Json, at: string): void {
  const role = enumField(message, "role", at, ROLES, "required") as Role;
  stringField(message, "name", at, role === "function" ? "required" : "optional");
  if (role === "function") {
    stringField(message, "content", at, "nonNull");
    return;
  }
  if (role === "assistant") {
    checkAssistant(message, at);
    return;
  }
  checkContent(message, at, role, "required");
  if (role === "tool") stringField(message, "tool_call_id", at, "required");
}

function checkAssistant(message: Json, at: string): void {
  const toolCalls = arrayField(message, "tool_calls", at);
  const functionCall = objectField(message, "function_call", at);
  const refusal = stringField(message, "refusal", at);
  const audio = objectField(message, "audio", at);
  if (audio) stringField(audio, "id", pathOf(at, "audio"), "required");
  if (functionCall) {
    stringField(functionCall, "name", pathOf(at, "function_call"), "required");
    stringField(functionCall, "arguments", pathOf(at, "function_call"), "required");
  }
  for (const [call, path] of objectItems(toolCalls ?? [], pathOf(at, "tool_calls"))) checkToolCall(call, path);
  // Content may be left out only when something else carries the turn.
  const carried = (toolCalls?.length ?? 0) > 0 || functionCall !== undefined || refusal !== undefined || audio !== undefined;
  checkContent(message, at, "assistant", carried ? "optional" : "required");
}

function checkToolCall(call: Json, at: string): void {
  stringField(call, "id", at, "required");
  const type = enumField(call, "type", at, ["function", "custom"], "nonNull") ?? "function";
  const body = objectField(call, type, at, "required") as Json;
  stringField(body, "name", pathOf(at, type), "required");
  stringField(body, type === "function" ? "arguments" : "input", pathOf(at, type), "required");
}

function checkContent(message: Json, at: string, role: Role, presence: "optional" | "required"): void {
  const path = pathOf(at, "content");
  const content = message["content"];
  if (content === undefined || content === null) {
    if (presence === "required") throw invalidRequest(`${path} is required for role ${role}`, path, "missing_required_parameter");
    return;
  }
  if (typeof content === "string") return;
  if (!Array.isArray(content)) throw invalidRequest(`${path} must be a string or an array of content parts`, path);
  if (content.length === 0) throw invalidRequest(`${path} must not be an empty array`, path);
  const allowed = PARTS_BY_ROLE[role];
  for (const [part, partAt] of objectItems(content, path)) checkPart(part, partAt, allowed, role);
}

function checkPart(part: Json, at: string, allowed: readonly string[], role: Role): void {
  const type = part["type"];
  if (typeof type !== "string" || !allowed.includes(type)) {
    throw invalidRequest(`${pathOf(at, "type")} must be one of ${allowed.join(", ")} in a ${role} message`, pathOf(at, "type"));
  }
  switch (type) {
    case "text":
    case "refusal":
      stringField(part, type, at, "required");
      return;
    case "image_url": {
      const image = objectField(part, "image_url", at, "required") as Json;
      const url = stringField(image, "url", pathOf(at, "image_url"), "required") as string;
      stringField(image, "detail", pathOf(at, "image_url"));
      if (url.startsWith("data:") && !isWellFormedDataUrl(url)) {
        throw invalidRequest(`${pathOf(at, "image_url.url")} is not a well-formed data URL`, pathOf(at, "image_url.url"));
      }
      return;
    }
    case "input_audio": {
      const audio = objectField(part, "input_audio", at, "required") as Json;
      stringField(audio, "data", pathOf(at, "input_audio"), "required");
      stringField(audio, "format", pathOf(at, "input_audio"), "required");
      return;
    }
    case "file": {
      const file = objectField(part, "file", at, "required") as Json;
      const fileAt = pathOf(at, "file");
      const data = stringField(file, "file_data", fileAt);
      const id = stringField(file, "file_id", fileAt);
      stringField(file, "filename", fileAt);
      if (data === undefined && id === undefined) throw invalidRequest(`${fileAt} needs file_data or file_id`, fileAt);
      return;
    }
  }
}

// data:[<media type>][;params][;base64],<data>. Percent-encoded payloads are decoded byte by
// byte downstream, so a stray "%" not followed by two hex digits is the one way to break them.
const DATA_URL_HEAD = /^data:[^,]*,/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

function isWellFormedDataUrl(url: string): boolean {
  const head = DATA_URL_HEAD.exec(url);
  if (!head) return false;
  if (head[0].toLowerCase().includes(";base64,")) return true;
  return !BAD_ESCAPE.test(url.slice(head[0].length));
}
