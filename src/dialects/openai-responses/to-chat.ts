// A Responses request as the canonical chat request (the translated lane): instructions and the
// conversation's items become messages, flat function tools (and the functions of `namespace`
// tools, under qualified names) become chat tools, and `text.format`, `max_output_tokens` and
// `reasoning.effort` their chat equivalents. What has no chat equivalent
// (hosted tools, stored files, items an upstream holds) makes the translation fail with a 400
// naming it: the native lane may still serve the request, so the failure is returned, not thrown.
import type { ChatCompletionContentPart, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { GatewayInputError } from "../../providers/input-error.ts";
import type { ChatRequest } from "../../providers/types.ts";
import { ROUTING_HINTS } from "../../routing/hints.ts";
import { stringField } from "../../http/request-fields.ts";
import type { Json } from "./wire.ts";

export interface Translation {
  readonly chat: ChatRequest;
  /** Why the translated lane cannot serve this request, if it cannot. */
  readonly untranslatable: GatewayInputError | undefined;
  /** Items dropped because no chat upstream can use them (reasoning). */
  readonly dropped: number;
  /** Chat tool names that stand for a function inside a `namespace` tool, and what they stand for. */
  readonly namespaced: ReadonlyMap<string, NamespacedName>;
}

export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

/**
 * A function inside a `namespace` tool as one chat tool: chat has no namespaces, so the name
 * carries it (`crm__lookup`), within the characters and length chat tool names allow.
 */
export function qualifiedName({ namespace, name }: NamespacedName): string {
  return `${namespace}__${name}`;
}

class Untranslatable extends Error {
  readonly param: string;

  constructor(message: string, param: string) {
    super(message);
    this.param = param;
  }
}

export function toChat(body: Json, items: readonly Json[]): Translation {
  const state = { dropped: 0 };
  const placeholder: ChatRequest = { model: String(body["model"]), messages: [] };
  const namespaced = new Map<string, NamespacedName>();
  try {
    const chat = translate(body, items, state, namespaced);
    return { chat, untranslatable: undefined, dropped: state.dropped, namespaced };
  } catch (error) {
    if (!(error instanceof Untranslatable)) throw error;
    // Routing still reads a canonical request: the parts that did translate.
    const partial = { ...placeholder, messages: messagesOf(body, items.filter((item) => translatableItem(item)), state, true) };
    return { chat: partial, untranslatable: new GatewayInputError(error.message, error.param, "unsupported_on_translated_lane"), dropped: state.dropped, namespaced };
  }
}

function translate(body: Json, items: readonly Json[], state: { dropped: number }, namespaced: Map<string, NamespacedName>): ChatRequest {
  const chat: Record<string, unknown> = { model: body["model"], messages: messagesOf(body, items, state, false) };
  const tools = toolsOf(body["tools"], namespaced);
  if (tools.length > 0) chat["tools"] = tools;
  const choice = toolChoiceOf(body["tool_choice"], tools);
  if (choice !== undefined) {
    if (choice.tools) chat["tools"] = choice.tools;
    chat["tool_choice"] = choice.choice;
  }
  if (tools.length > 0 && typeof body["parallel_tool_calls"] === "boolean") chat["parallel_tool_calls"] = body["parallel_tool_calls"];
  const format = responseFormatOf(body["text"]);
  if (format) chat["response_format"] = format;
  if (typeof body["max_output_tokens"] === "number") chat["max_completion_tokens"] = body["max_output_tokens"];
  const effort = isObject(body["reasoning"]) ? body["reasoning"]["effort"] : undefined;
  if (typeof effort === "string") chat["reasoning_effort"] = effort;
  for (const field of ["temperature", "top_p", "user"] as const) if (body[field] !== undefined && body[field] !== null) chat[field] = body[field];
  // Only the gateway's own routing hints: they are read by routing and taken out before any upstream.
  const metadata = isObject(body["metadata"]) ? Object.fromEntries(Object.entries(body["metadata"]).filter(([name]) => ROUTING_HINTS.includes(name))) : {};
  if (Object.keys(metadata).length > 0) chat["metadata"] = metadata;
  if (body["stream"] === true) {
    chat["stream"] = true;
    chat["stream_options"] = { include_usage: true };
  }
  for (const field of ["background", "conversation", "prompt"] as const) {
    if (body[field] !== undefined && body[field] !== null && body[field] !== false) throw new Untranslatable(`${field} is not supported by this gateway on a provider without the Responses API`, field);
  }
  return chat as ChatRequest;
}

function translatableItem(item: Json): boolean {
  return ["message", "function_call", "function_call_output", undefined].includes(item["type"] as string | undefined);
}

function messagesOf(body: Json, items: readonly Json[], state: { dropped: number }, lenient: boolean): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (typeof body["instructions"] === "string" && body["instructions"] !== "") messages.push({ role: "system", content: body["instructions"] });
  for (const [index, item] of items.entries()) {
    const at = `input[${index}]`;
    try {
      addItem(messages, item, at, state);
    } catch (error) {
      if (!lenient) throw error;
    }
  }
  return messages;
}

function addItem(messages: ChatCompletionMessageParam[], item: Json, at: string, state: { dropped: number }): void {
  const type = item["type"] ?? "message";
  switch (type) {
    case "message":
      messages.push(messageOf(item, at));
      return;
    case "function_call": {
      const name = stringField(item, "name", at, "required") as string;
      const namespace = stringField(item, "namespace", at);
      const call = {
        id: stringField(item, "call_id", at, "required") as string,
        type: "function" as const,
        function: { name: namespace === undefined ? name : qualifiedName({ namespace, name }), arguments: stringField(item, "arguments", at, "required") as string },
      };
      // A run of calls (and the text just before them) is one assistant turn in chat.
      const last = messages.at(-1);
      if (last?.role === "assistant") {
        last.tool_calls = [...(last.tool_calls ?? []), call];
        return;
      }
      messages.push({ role: "assistant", content: null, tool_calls: [call] });
      return;
    }
    case "function_call_output": {
      const output = item["output"];
      const content = typeof output === "string" ? output : Array.isArray(output) ? textOf(output as unknown[], `${at}.output`) : JSON.stringify(output ?? "");
      messages.push({ role: "tool", tool_call_id: stringField(item, "call_id", at, "required") as string, content });
      return;
    }
    case "reasoning":
      // Reasoning another model produced (or encrypted for OpenAI) is of no use to this upstream.
      state.dropped += 1;
      return;
    case "item_reference":
      throw new Untranslatable(`Item with id '${String(item["id"])}' not found.`, `${at}.id`);
    default:
      throw new Untranslatable(`${at}: '${typeof type === "string" ? type : "?"}' items have no equivalent on a provider without the Responses API`, `${at}.type`);
  }
}

function messageOf(item: Json, at: string): ChatCompletionMessageParam {
  const role = item["role"];
  const content = item["content"];
  if (role === "assistant") {
    const parts = typeof content === "string" ? [{ type: "output_text", text: content }] : Array.isArray(content) ? (content as unknown[]) : [];
    const refusal = parts.find((p): p is Json => isObject(p) && p["type"] === "refusal");
    const text = parts.filter((p): p is Json => isObject(p) && p["type"] !== "refusal").map((p, i) => stringField(p, "text", `${at}.content[${i}]`) ?? "").join("");
    return refusal ? { role: "assistant", content: text === "" ? null : text, refusal: stringField(refusal, "refusal", `${at}.content`) ?? "" } : { role: "assistant", content: text };
  }
  if (role !== "user" && role !== "system" && role !== "developer") throw new Untranslatable(`${at}.role must be user, assistant, system or developer`, `${at}.role`);
  if (typeof content === "string") return { role, content };
  if (!Array.isArray(content)) throw new Untranslatable(`${at}.content must be a string or an array of content parts`, `${at}.content`);
  const parts = (content as unknown[]).map((part, i) => partOf(part, `${at}.content[${i}]`));
  if (role === "user") return { role, content: parts };
  return { role, content: parts.map((p) => (p.type === "text" ? p.text : "")).join("") };
}

function partOf(part: unknown, at: string): ChatCompletionContentPart {
  if (!isObject(part)) throw new Untranslatable(`${at} must be an object`, at);
  switch (part["type"]) {
    case "input_text":
    case "output_text":
      return { type: "text", text: stringField(part, "text", at, "required") as string };
    case "input_image": {
      const url = part["image_url"];
      if (typeof url !== "string") throw new Untranslatable(`${at}: images by file_id need OpenAI's file storage; send image_url`, `${at}.file_id`);
      const detail = part["detail"];
      return { type: "image_url", image_url: { url, ...(detail === "low" || detail === "high" || detail === "auto" ? { detail } : {}) } };
    }
    case "input_file": {
      const data = part["file_data"];
      if (typeof data !== "string") throw new Untranslatable(`${at}: files by file_id or file_url need OpenAI's file storage; send file_data`, `${at}.file_data`);
      return { type: "file", file: { file_data: data, ...(typeof part["filename"] === "string" ? { filename: part["filename"] } : {}) } };
    }
    default:
      throw new Untranslatable(`${at}: '${String(part["type"])}' content has no equivalent on a provider without the Responses API`, `${at}.type`);
  }
}

function textOf(parts: readonly unknown[], at: string): string {
  return parts
    .map((part, i) => {
      const p = partOf(part, `${at}[${i}]`);
      if (p.type !== "text") throw new Untranslatable(`${at}[${i}]: only text tool output can be sent to a provider without the Responses API`, `${at}[${i}].type`);
      return p.text;
    })
    .join("");
}

function toolsOf(tools: unknown, namespaced: Map<string, NamespacedName>): ChatCompletionTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool: Json, index) => {
    if (tool["type"] === "namespace") return namespaceTools(tool, `tools[${index}]`, namespaced);
    if (tool["type"] !== "function") {
      throw new Untranslatable(`tools[${index}]: the hosted tool '${String(tool["type"])}' cannot run on a provider without the Responses API; only function tools can`, `tools[${index}].type`);
    }
    return [functionTool(tool, String(tool["name"]))];
  });
}

/** A `namespace` tool's functions as chat tools with qualified names, noted for the way back. */
function namespaceTools(tool: Json, at: string, namespaced: Map<string, NamespacedName>): ChatCompletionTool[] {
  const namespace = stringField(tool, "name", at, "required") as string;
  const inner = Array.isArray(tool["tools"]) ? (tool["tools"] as Json[]) : [];
  return inner.map((fn, index) => {
    if (fn["type"] !== "function") {
      throw new Untranslatable(`${at}.tools[${index}]: the '${String(fn["type"])}' tool cannot run on a provider without the Responses API; only function tools can`, `${at}.tools[${index}].type`);
    }
    const parts = { namespace, name: stringField(fn, "name", `${at}.tools[${index}]`, "required") as string };
    const name = qualifiedName(parts);
    namespaced.set(name, parts);
    return functionTool(fn, name);
  });
}

function functionTool(tool: Json, name: string): ChatCompletionTool {
  const fn: Record<string, unknown> = { name };
  if (typeof tool["description"] === "string") fn["description"] = tool["description"];
  if (tool["parameters"] !== undefined && tool["parameters"] !== null) fn["parameters"] = tool["parameters"];
  if (typeof tool["strict"] === "boolean") fn["strict"] = tool["strict"];
  return { type: "function", function: fn } as unknown as ChatCompletionTool;
}

function toolChoiceOf(choice: unknown, tools: readonly ChatCompletionTool[]): { choice: unknown; tools?: ChatCompletionTool[] } | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === "string") return { choice };
  const c = choice as Json;
  if (c["type"] === "function") return { choice: { type: "function", function: { name: c["name"] } } };
  if (c["type"] === "allowed_tools") {
    const names = new Set((Array.isArray(c["tools"]) ? (c["tools"] as Json[]) : []).map((t) => t["name"]));
    const allowed = tools.filter((t) => t.type === "function" && names.has(t.function.name));
    return { choice: c["mode"] === "required" ? "required" : "auto", tools: allowed };
  }
  throw new Untranslatable(`tool_choice: '${String(c["type"])}' names a hosted tool that cannot run on a provider without the Responses API`, "tool_choice");
}

function responseFormatOf(text: unknown): unknown {
  const format = isObject(text) ? text["format"] : undefined;
  if (!isObject(format) || format["type"] === "text") return undefined;
  if (format["type"] === "json_object") return { type: "json_object" };
  if (format["type"] === "json_schema") {
    const schema: Json = { name: format["name"], schema: format["schema"] };
    if (typeof format["strict"] === "boolean") schema["strict"] = format["strict"];
    if (typeof format["description"] === "string") schema["description"] = format["description"];
    return { type: "json_schema", json_schema: schema };
  }
  throw new Untranslatable(`text.format: '${String(format["type"])}' has no chat equivalent`, "text.format.type");
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
