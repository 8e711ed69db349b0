// OpenAI chat messages → Anthropic `system` + alternating user/assistant turns.
import type {
  Base64ImageSource,
  ContentBlockParam,
  DocumentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import { parseDataUrl } from "../images.ts";
import { GatewayInputError } from "../input-error.ts";
import { argumentsObject } from "../tool-arguments.ts";

export interface AnthropicConversation {
  /** System and developer messages, joined in order. */
  system: string | undefined;
  messages: MessageParam[];
}

type Role = "user" | "assistant";
interface Turn {
  role: Role;
  blocks: ContentBlockParam[];
}

const IMAGE_TYPES = new Set<string>(["image/jpeg", "image/png", "image/gif", "image/webp"]);

export function toAnthropicConversation(messages: readonly ChatCompletionMessageParam[]): AnthropicConversation {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Role, blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    // Anthropic wants strict alternation: same-role neighbours (e.g. several `tool` results,
    // or a tool result followed by a user note) become one turn.
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer":
        // Hoisted into the top-level `system` wherever they stand: mid-conversation system turns
        // exist only on the newest models, and a system turn at the wrong place is a 400.
        system.push(textOf(message.content));
        break;
      case "user":
        // `name` has no Anthropic counterpart; it only labels the speaker, so it is dropped.
        push("user", userBlocks(message.content, i));
        break;
      case "assistant":
        push("assistant", assistantBlocks(message, i));
        break;
      case "tool":
        push("user", [toolResult(message)]);
        break;
      case "function":
        throw new GatewayInputError(`messages[${i}]: the legacy "function" role is not supported; use tools`, "messages");
    }
  });

  if (turns.length === 0) {
    throw new GatewayInputError("messages must contain at least one user or assistant message", "messages");
  }
  return {
    system: system.length > 0 ? system.join("\n\n") : undefined,
    messages: turns.map((turn) => ({ role: turn.role, content: orderToolResultsFirst(turn.blocks) })),
  };
}

/** Tool ids must match ^[a-zA-Z0-9_-]+$ upstream; ids minted elsewhere are mapped the same way each time. */
export function toolUseId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, "_");
  return clean === "" ? "_" : clean;
}

function textOf(content: string | ReadonlyArray<{ type: string; text?: string }>): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("");
}

function userBlocks(content: string | ChatCompletionContentPart[], index: number): ContentBlockParam[] {
  const parts: ChatCompletionContentPart[] = typeof content === "string" ? [{ type: "text", text: content }] : content;
  // Empty text is rejected upstream and says nothing; it is left out.
  return parts.filter((part) => part.type !== "text" || part.text !== "").map((part): ContentBlockParam => {
    switch (part.type) {
      case "text":
        return { type: "text", text: part.text };
      case "image_url":
        return imageBlock(part.image_url.url, index);
      case "file":
        return documentBlock(part.file, index);
      case "input_audio":
        throw new GatewayInputError(`messages[${index}]: audio input is not supported by this model`, "messages");
      default:
        throw new GatewayInputError(`messages[${index}]: unsupported content part`, "messages");
    }
  });
}

function imageBlock(url: string, index: number): ImageBlockParam {
  if (url.startsWith("data:")) {
    const inline = parseDataUrl(url);
    if (!inline || !IMAGE_TYPES.has(inline.mimeType)) {
      throw new GatewayInputError(
        `messages[${index}]: image type ${inline?.mimeType ?? "unknown"} is not supported (jpeg, png, gif, webp)`,
        "messages",
      );
    }
    return { type: "image", source: { type: "base64", media_type: inline.mimeType as Base64ImageSource["media_type"], data: inline.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw new GatewayInputError(`messages[${index}]: image_url must be an http(s) or data URL`, "messages");
}

function documentBlock(file: ChatCompletionContentPart.File.File, index: number): DocumentBlockParam {
  if (file.file_data === undefined) {
    throw new GatewayInputError(`messages[${index}]: file_id references are not supported here; send file_data`, "messages");
  }
  const inline = parseDataUrl(file.file_data);
  const mimeType = inline?.mimeType ?? (file.filename?.toLowerCase().endsWith(".pdf") ? "application/pdf" : undefined);
  if (mimeType !== "application/pdf") {
    throw new GatewayInputError(`messages[${index}]: only PDF files are supported`, "messages");
  }
  const data = inline?.data ?? file.file_data;
  return { type: "document", source: { type: "base64", media_type: "application/pdf", data }, ...(file.filename ? { title: file.filename } : {}) };
}

function assistantBlocks(message: ChatCompletionAssistantMessageParam, index: number): ContentBlockParam[] {
  if (message.function_call) {
    throw new GatewayInputError(`messages[${index}]: legacy function_call is not supported; use tool_calls`, "messages");
  }
  const blocks: ContentBlockParam[] = [];
  const text = message.content == null ? "" : typeof message.content === "string"
    ? message.content
    : message.content.map((part) => (part.type === "text" ? part.text : part.refusal)).join("");
  // Empty text blocks are rejected upstream; an assistant turn with only tool calls has none.
  if (text !== "") blocks.push({ type: "text", text });
  for (const call of message.tool_calls ?? []) {
    if (call.type !== "function") {
      throw new GatewayInputError(`messages[${index}]: custom tool calls are not supported`, "messages");
    }
    blocks.push({
      type: "tool_use",
      id: toolUseId(call.id),
      name: call.function.name,
      input: parseArguments(call.function.arguments, index),
    } satisfies ToolUseBlockParam);
  }
  return blocks;
}

function parseArguments(raw: string, index: number): Record<string, unknown> {
  return argumentsObject(raw, (fault) => {
    const problem = fault === "invalid-json" ? "are not valid JSON" : "must be a JSON object";
    return new GatewayInputError(`messages[${index}]: tool call arguments ${problem}`, "messages");
  });
}

function toolResult(message: ChatCompletionToolMessageParam): ToolResultBlockParam {
  const content: string | TextBlockParam[] = typeof message.content === "string"
    ? message.content
    : message.content.filter((part) => part.text !== "").map((part) => ({ type: "text", text: part.text }));
  const empty = content.length === 0;
  return { type: "tool_result", tool_use_id: toolUseId(message.tool_call_id), ...(empty ? {} : { content }) };
}

/** Upstream requires a user turn's tool_result blocks to come before any other content. */
function orderToolResultsFirst(blocks: ContentBlockParam[]): ContentBlockParam[] {
  const results = blocks.filter((b) => b.type === "tool_result");
  if (results.length === 0 || results.length === blocks.length) return blocks;
  return [...results, ...blocks.filter((b) => b.type !== "tool_result")];
}
