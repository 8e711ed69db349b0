// Anthropic Messages request → the canonical chat request, for targets that do not speak
// Messages. Pure. It never throws on a valid Messages body: what chat cannot carry is listed
// (`untranslatable`, a 400 naming it if no target speaks Messages natively) or dropped with a
// warning when meaning is kept (thinking blocks replayed to another model, top_k, cache hints
// are dropped silently: they price a request, they do not change its answer).
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionFunctionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { ChatRequest } from "../../providers/types.ts";
import { ROUTING_HINTS } from "../../routing/hints.ts";

type Json = Record<string, unknown>;

export interface Translation {
  readonly chat: ChatRequest;
  /** What chat cannot carry, each naming the field: served only by a target that speaks Messages. */
  readonly untranslatable: readonly string[];
  /** Adjustments that keep the request's meaning, for `x-llm-warnings`. */
  readonly warnings: readonly string[];
}

/** Top-level fields read below; any other is not understood by chat and is reported. */
const KNOWN_FIELDS = new Set([
  "model", "max_tokens", "messages", "system", "stream", "stop_sequences", "temperature", "top_p", "top_k",
  "metadata", "tools", "tool_choice", "thinking", "output_config", "cache_control", "service_tier",
]);
/** The first system block Claude Code sends is billing attribution, meant for Anthropic alone. */
const ATTRIBUTION = "x-anthropic-billing-header:";

export function toChat(body: Json): Translation {
  const untranslatable: string[] = [];
  const warnings: string[] = [];
  const messages: ChatCompletionMessageParam[] = [];
  const system = systemText(body["system"]);
  if (system !== undefined) messages.push({ role: "system", content: system });
  const turns = list(body["messages"]);
  for (let i = 0; i < turns.length; i += 1) addMessage(turns[i], i, messages, untranslatable, warnings);

  const chat: Record<string, unknown> = { model: body["model"], messages, max_tokens: body["max_tokens"] };
  if (body["stream"] === true) Object.assign(chat, { stream: true, stream_options: { include_usage: true } });
  if (Array.isArray(body["stop_sequences"])) chat["stop"] = body["stop_sequences"];
  if (typeof body["temperature"] === "number") chat["temperature"] = body["temperature"];
  if (typeof body["top_p"] === "number") chat["top_p"] = body["top_p"];
  if (body["top_k"] !== undefined) warnings.push("top_k ignored: the target samples without it");
  Object.assign(chat, metadataFields(body["metadata"]));
  const tools = toolsOf(body["tools"], untranslatable);
  if (tools.length > 0) chat["tools"] = tools;
  Object.assign(chat, toolChoiceOf(body["tool_choice"]));
  Object.assign(chat, thinkingOf(body["thinking"], warnings));
  Object.assign(chat, outputConfigOf(body["output_config"], warnings));
  for (const field of Object.keys(body)) if (!KNOWN_FIELDS.has(field)) warnings.push(`${field} ignored: the target has no equivalent`);
  return { chat: chat as ChatRequest, untranslatable, warnings };
}

function systemText(system: unknown): string | undefined {
  if (typeof system === "string") return system === "" ? undefined : system;
  let joined: string | undefined;
  for (const block of list(system)) {
    const text = isObject(block) ? block["text"] : undefined;
    if (typeof text !== "string" || text.startsWith(ATTRIBUTION)) continue;
    joined = joined === undefined ? text : `${joined}\n\n${text}`;
  }
  return joined;
}

/** Where a turn's block is, for what chat cannot carry (built only then). */
const blockPath = (turn: number, block: number): string => `messages.${turn}.content.${block}`;

function addMessage(raw: unknown, turn: number, out: ChatCompletionMessageParam[], untranslatable: string[], warnings: string[]): void {
  if (!isObject(raw)) return;
  const role = raw["role"];
  const content = raw["content"];
  if (role === "system") {
    const text = typeof content === "string" ? content : textOf(list(content));
    out.push({ role: "system", content: text });
    return;
  }
  if (typeof content === "string") {
    out.push(role === "assistant" ? { role: "assistant", content } : { role: "user", content });
    return;
  }
  const blocks = list(content);
  if (role === "assistant") out.push(assistantMessage(blocks, turn, untranslatable, warnings));
  else addUserBlocks(blocks, turn, out, untranslatable);
}

function assistantMessage(blocks: unknown[], turn: number, untranslatable: string[], warnings: string[]): ChatCompletionAssistantMessageParam {
  const texts: string[] = [];
  const calls: ChatCompletionMessageToolCall[] = [];
  blocks.forEach((block, j) => {
    if (!isObject(block)) return;
    switch (block["type"]) {
      case "text":
        if (typeof block["text"] === "string") texts.push(block["text"]);
        return;
      case "tool_use":
        calls.push({ id: String(block["id"]), type: "function", function: { name: String(block["name"]), arguments: JSON.stringify(block["input"] ?? {}) } });
        return;
      case "thinking":
      case "redacted_thinking":
        // Signed for Claude alone: another model cannot verify it, and it must never reach it as text.
        if (!warnings.includes(THINKING_DROPPED)) warnings.push(THINKING_DROPPED);
        return;
      default:
        untranslatable.push(`${blockPath(turn, j)}: ${String(block["type"])} blocks`);
    }
  });
  return {
    role: "assistant",
    content: texts.length > 0 ? texts.join("") : null,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}

const THINKING_DROPPED = "thinking blocks dropped: only the model that wrote them can read them";

/** Tool results become tool messages right after their call; the rest of the turn follows as one user message. */
function addUserBlocks(blocks: unknown[], turn: number, out: ChatCompletionMessageParam[], untranslatable: string[]): void {
  const parts: ChatCompletionContentPart[] = [];
  blocks.forEach((block, j) => {
    if (!isObject(block)) return;
    switch (block["type"]) {
      case "text":
        if (typeof block["text"] === "string") parts.push({ type: "text", text: block["text"] });
        return;
      case "image": {
        const url = imageUrl(block["source"]);
        if (url === undefined) untranslatable.push(`${blockPath(turn, j)}: image source`);
        else parts.push({ type: "image_url", image_url: { url } });
        return;
      }
      case "tool_result":
        out.push({ role: "tool", tool_call_id: String(block["tool_use_id"]), content: toolResultText(block, turn, j, untranslatable) });
        return;
      default:
        untranslatable.push(`${blockPath(turn, j)}: ${String(block["type"])} blocks`);
    }
  });
  if (parts.length === 0) return;
  const only = parts[0];
  out.push({ role: "user", content: parts.length === 1 && only?.type === "text" ? only.text : parts });
}

function toolResultText(block: Json, turn: number, j: number, untranslatable: string[]): string {
  const content = block["content"];
  let text = "";
  if (typeof content === "string") text = content;
  else {
    const blocks = list(content);
    if (blocks.some((b) => isObject(b) && b["type"] !== "text")) untranslatable.push(`${blockPath(turn, j)}.content: tool results other than text`);
    text = textOf(blocks);
  }
  return block["is_error"] === true ? `Error: ${text}` : text;
}

function imageUrl(source: unknown): string | undefined {
  if (!isObject(source)) return undefined;
  if (source["type"] === "base64" && typeof source["media_type"] === "string" && typeof source["data"] === "string") {
    return `data:${source["media_type"]};base64,${source["data"]}`;
  }
  if (source["type"] === "url" && typeof source["url"] === "string") return source["url"];
  return undefined;
}

/** Client tools become functions; a server tool (web search, code execution...) runs only at Anthropic. */
function toolsOf(tools: unknown, untranslatable: string[]): ChatCompletionFunctionTool[] {
  return list(tools).flatMap((tool, i) => {
    if (!isObject(tool)) return [];
    const type = tool["type"];
    if (type !== undefined && type !== null && type !== "custom") {
      untranslatable.push(`tools.${i}: server tool ${typeof type === "string" ? type : "of unknown type"}`);
      return [];
    }
    const fn: ChatCompletionFunctionTool["function"] = {
      name: String(tool["name"]),
      parameters: isObject(tool["input_schema"]) ? tool["input_schema"] : { type: "object" },
    };
    if (typeof tool["description"] === "string") fn.description = tool["description"];
    if (tool["strict"] === true) fn.strict = true;
    return [{ type: "function" as const, function: fn }];
  });
}

function toolChoiceOf(choice: unknown): { tool_choice?: ChatCompletionToolChoiceOption; parallel_tool_calls?: boolean } {
  if (!isObject(choice)) return {};
  const parallel = choice["disable_parallel_tool_use"] === true ? { parallel_tool_calls: false } : {};
  switch (choice["type"]) {
    case "auto":
      return { tool_choice: "auto", ...parallel };
    case "any":
      return { tool_choice: "required", ...parallel };
    case "none":
      return { tool_choice: "none" };
    case "tool":
      return { tool_choice: { type: "function", function: { name: String(choice["name"]) } }, ...parallel };
    default:
      return {};
  }
}

/** `metadata.user_id` is chat's `user`; the gateway's own routing hints stay for classification. */
function metadataFields(metadata: unknown): Json {
  if (!isObject(metadata)) return {};
  const out: Json = {};
  if (typeof metadata["user_id"] === "string") out["user"] = metadata["user_id"];
  const hints = Object.fromEntries(ROUTING_HINTS.filter((hint) => hint in metadata).map((hint) => [hint, metadata[hint]]));
  if (Object.keys(hints).length > 0) out["metadata"] = hints;
  return out;
}

/**
 * A thinking budget is a reasoning effort; adaptive thinking leaves the choice to the model, as
 * a model without a reasoning control does anyway.
 */
function thinkingOf(thinking: unknown, warnings: string[]): Json {
  if (!isObject(thinking) || thinking["type"] !== "enabled") return {};
  const budget = typeof thinking["budget_tokens"] === "number" ? thinking["budget_tokens"] : 0;
  warnings.push("thinking.budget_tokens sent as reasoning_effort");
  return { reasoning_effort: budget < 4096 ? "low" : budget < 16384 ? "medium" : "high" };
}

function outputConfigOf(config: unknown, warnings: string[]): Json {
  if (!isObject(config)) return {};
  if (config["effort"] !== undefined) warnings.push("output_config.effort ignored: the target sets its own effort");
  const format = config["format"];
  if (!isObject(format) || format["type"] !== "json_schema") return {};
  return { response_format: { type: "json_schema", json_schema: { name: "output", schema: format["schema"], strict: true } } };
}

function textOf(blocks: readonly unknown[]): string {
  return blocks.flatMap((b) => (isObject(b) && typeof b["text"] === "string" ? [b["text"]] : [])).join("");
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
