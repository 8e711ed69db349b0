// Checks a chat completion request against the OpenAI schema before anything else touches it.
// Hand-written rather than a schema library: this runs on every request, must not copy the
// (possibly huge) messages, and must leave unknown fields in place for compatible upstreams.
import type { ChatRequest } from "../../providers/types.ts";
import { invalidRequest } from "../../http/errors.ts";

type Json = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);
const PART_TYPES = new Set(["text", "image_url", "input_audio", "file", "refusal"]);

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function validateChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalidRequest("request body must be a JSON object");
  const model = body["model"];
  if (model === undefined) throw invalidRequest("you must provide a model parameter", "model", "missing_required_parameter");
  if (typeof model !== "string" || model.length === 0) throw invalidRequest("model must be a non-empty string", "model");

  const messages = body["messages"];
  if (messages === undefined) throw invalidRequest("you must provide a messages parameter", "messages", "missing_required_parameter");
  if (!Array.isArray(messages)) throw invalidRequest("messages must be an array", "messages");
  if (messages.length === 0) throw invalidRequest("messages must contain at least one message", "messages");
  messages.forEach(checkMessage);

  optional(body, "stream", "boolean");
  if (body["stream_options"] !== undefined && body["stream_options"] !== null) {
    const so = body["stream_options"];
    if (!isObject(so)) throw invalidRequest("stream_options must be an object", "stream_options");
    optional(so, "include_usage", "boolean", "stream_options.include_usage");
  }
  range(body, "temperature", 0, 2);
  range(body, "top_p", 0, 1);
  range(body, "presence_penalty", -2, 2);
  range(body, "frequency_penalty", -2, 2);
  integer(body, "n", 1, 128);
  integer(body, "max_tokens", 1);
  integer(body, "max_completion_tokens", 1);
  integer(body, "seed", Number.MIN_SAFE_INTEGER);
  integer(body, "top_logprobs", 0, 20);
  optional(body, "logprobs", "boolean");
  optional(body, "parallel_tool_calls", "boolean");
  optional(body, "user", "string");
  checkStop(body["stop"]);
  checkTools(body["tools"]);
  checkToolChoice(body["tool_choice"]);
  checkResponseFormat(body["response_format"]);
  if (body["metadata"] !== undefined && body["metadata"] !== null && !isObject(body["metadata"])) {
    throw invalidRequest("metadata must be an object of strings", "metadata");
  }
  return body as unknown as ChatRequest;
}

function checkMessage(message: unknown, i: number): void {
  const at = `messages[${i}]`;
  if (!isObject(message)) throw invalidRequest(`${at} must be an object`, at);
  const role = message["role"];
  if (typeof role !== "string" || !ROLES.has(role)) {
    throw invalidRequest(`${at}.role must be one of ${[...ROLES].join(", ")}`, `${at}.role`);
  }
  const content = message["content"];
  const hasToolCalls = Array.isArray(message["tool_calls"]) && message["tool_calls"].length > 0;
  if (content === undefined || content === null) {
    if (role !== "assistant" || (!hasToolCalls && message["function_call"] === undefined && message["refusal"] === undefined)) {
      throw invalidRequest(`${at}.content is required for role ${role}`, `${at}.content`);
    }
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => checkPart(part, `${at}.content[${j}]`));
  } else if (typeof content !== "string") {
    throw invalidRequest(`${at}.content must be a string or an array of content parts`, `${at}.content`);
  }
  if (role === "tool" && typeof message["tool_call_id"] !== "string") {
    throw invalidRequest(`${at}.tool_call_id is required for role tool`, `${at}.tool_call_id`);
  }
  if (message["name"] !== undefined && typeof message["name"] !== "string") {
    throw invalidRequest(`${at}.name must be a string`, `${at}.name`);
  }
  if (message["tool_calls"] !== undefined) {
    if (role !== "assistant" || !Array.isArray(message["tool_calls"])) {
      throw invalidRequest(`${at}.tool_calls must be an array on an assistant message`, `${at}.tool_calls`);
    }
    message["tool_calls"].forEach((call: unknown, j: number) => {
      const p = `${at}.tool_calls[${j}]`;
      if (!isObject(call) || typeof call["id"] !== "string") throw invalidRequest(`${p}.id must be a string`, `${p}.id`);
      const fn = call["function"];
      if (call["type"] !== undefined && call["type"] !== "function" && call["type"] !== "custom") {
        throw invalidRequest(`${p}.type must be "function"`, `${p}.type`);
      }
      if (call["type"] !== "custom" && (!isObject(fn) || typeof fn["name"] !== "string" || typeof fn["arguments"] !== "string")) {
        throw invalidRequest(`${p}.function needs a string name and string arguments`, `${p}.function`);
      }
    });
  }
}

function checkPart(part: unknown, at: string): void {
  if (!isObject(part) || typeof part["type"] !== "string" || !PART_TYPES.has(part["type"])) {
    throw invalidRequest(`${at}.type must be one of ${[...PART_TYPES].join(", ")}`, `${at}.type`);
  }
  if (part["type"] === "text" && typeof part["text"] !== "string") throw invalidRequest(`${at}.text must be a string`, `${at}.text`);
  if (part["type"] === "image_url") {
    const image = part["image_url"];
    if (!isObject(image) || typeof image["url"] !== "string") {
      throw invalidRequest(`${at}.image_url.url must be a string`, `${at}.image_url.url`);
    }
  }
}

function checkStop(stop: unknown): void {
  if (stop === undefined || stop === null || typeof stop === "string") return;
  if (!Array.isArray(stop) || stop.length > 4 || !stop.every((s) => typeof s === "string")) {
    throw invalidRequest("stop must be a string or an array of at most 4 strings", "stop");
  }
}

function checkTools(tools: unknown): void {
  if (tools === undefined || tools === null) return;
  if (!Array.isArray(tools)) throw invalidRequest("tools must be an array", "tools");
  tools.forEach((tool: unknown, i) => {
    const at = `tools[${i}]`;
    if (!isObject(tool)) throw invalidRequest(`${at} must be an object`, at);
    if (tool["type"] === "custom") return;
    if (tool["type"] !== "function") throw invalidRequest(`${at}.type must be "function"`, `${at}.type`);
    const fn = tool["function"];
    if (!isObject(fn) || typeof fn["name"] !== "string" || fn["name"].length === 0) {
      throw invalidRequest(`${at}.function.name must be a non-empty string`, `${at}.function.name`);
    }
    if (fn["parameters"] !== undefined && !isObject(fn["parameters"])) {
      throw invalidRequest(`${at}.function.parameters must be a JSON schema object`, `${at}.function.parameters`);
    }
  });
}

function checkToolChoice(choice: unknown): void {
  if (choice === undefined || choice === null) return;
  if (choice === "none" || choice === "auto" || choice === "required") return;
  if (isObject(choice) && (choice["type"] === "function" || choice["type"] === "custom")) {
    const fn = choice[choice["type"]];
    if (isObject(fn) && typeof fn["name"] === "string") return;
  }
  if (isObject(choice) && choice["type"] === "allowed_tools") return;
  throw invalidRequest(`tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":...}}`, "tool_choice");
}

function checkResponseFormat(format: unknown): void {
  if (format === undefined || format === null) return;
  if (!isObject(format)) throw invalidRequest("response_format must be an object", "response_format");
  const type = format["type"];
  if (type === "text" || type === "json_object") return;
  if (type === "json_schema") {
    const schema = format["json_schema"];
    if (!isObject(schema) || typeof schema["name"] !== "string") {
      throw invalidRequest("response_format.json_schema needs a name and a schema", "response_format.json_schema");
    }
    return;
  }
  throw invalidRequest(`response_format.type must be text, json_object or json_schema`, "response_format.type");
}

function optional(obj: Json, field: string, type: "boolean" | "string", param = field): void {
  const v = obj[field];
  if (v !== undefined && v !== null && typeof v !== type) throw invalidRequest(`${param} must be a ${type}`, param);
}

function range(obj: Json, field: string, min: number, max: number): void {
  const v = obj[field];
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw invalidRequest(`${field} must be a number between ${min} and ${max}`, field);
  }
}

function integer(obj: Json, field: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  const v = obj[field];
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw invalidRequest(`${field} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` of at least ${min}` : ""}`, field);
  }
}
