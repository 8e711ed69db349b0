// OpenAI chat messages → Ollama messages. Ollama applies the model's own chat template, so
// roles need no merging or reordering: consecutive messages of one role are kept as they are.
import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartRefusal,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from "openai/resources/chat/completions";
import { parseDataUrl, type InlineImage } from "../images.ts";
import { GatewayInputError } from "../input-error.ts";
import { argumentsObject } from "../tool-arguments.ts";
import type { OllamaMessage, OllamaToolCall } from "./wire.ts";

/** Images already fetched or decoded by the caller, keyed by their `image_url.url`. */
export type ImageLookup = ReadonlyMap<string, InlineImage>;

type AnyPart = ChatCompletionContentPart | ChatCompletionContentPartRefusal;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every image URL in the conversation, so the caller can load them before translating. */
export function imageUrlsOf(messages: readonly ChatCompletionMessageParam[]): string[] {
  const urls = new Set<string>();
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as readonly AnyPart[]) {
      if (part.type === "image_url") urls.add(part.image_url.url);
    }
  }
  return [...urls];
}

export function toOllamaMessages(messages: readonly ChatCompletionMessageParam[], images: ImageLookup): OllamaMessage[] {
  const toolNames = toolNamesById(messages);
  // `name` on a message has no Ollama field; it only labels a participant, so it is dropped.
  return messages.map((message, i): OllamaMessage => {
    const at = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: textOf(message.content, at) };
      case "user":
        return userMessage(message.content, images, at);
      case "assistant":
        return assistantMessage(message, at);
      case "tool": {
        const name = toolNames.get(message.tool_call_id);
        if (name === undefined) {
          throw new GatewayInputError(
            `${at}.tool_call_id "${message.tool_call_id}" does not match a tool call of an earlier assistant message`,
            `${at}.tool_call_id`,
          );
        }
        return { role: "tool", content: textOf(message.content, at), tool_name: name };
      }
      case "function":
        throw new GatewayInputError(`${at}: the deprecated "function" role is not supported; use tool messages`, `${at}.role`);
      default:
        throw new GatewayInputError(`${at}: unknown role`, `${at}.role`);
    }
  });
}

function toolNamesById(messages: readonly ChatCompletionMessageParam[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== "assistant") continue;
    for (const call of message.tool_calls ?? []) {
      if (call.type === "function") names.set(call.id, call.function.name);
    }
  }
  return names;
}

/** Text-only content (system, developer, tool, assistant): string or text parts joined. */
function textOf(content: string | readonly AnyPart[] | null | undefined, at: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      if (part.type === "text") return part.text;
      if (part.type === "refusal") return part.refusal;
      throw new GatewayInputError(`${at}.content[${j}]: ${part.type} parts are not allowed here`, `${at}.content`);
    })
    .join("\n");
}

function userMessage(content: string | readonly ChatCompletionContentPart[], images: ImageLookup, at: string): OllamaMessage {
  if (typeof content === "string") return { role: "user", content };
  const texts: string[] = [];
  const inline: string[] = [];
  content.forEach((part, j) => {
    if (part.type === "text") {
      texts.push(part.text);
    } else if (part.type === "image_url") {
      inline.push(imageData(part.image_url.url, images, `${at}.content[${j}]`));
    } else {
      throw new GatewayInputError(`${at}.content[${j}]: ${part.type} parts are not supported by Ollama`, `${at}.content`);
    }
  });
  // Ollama attaches images to the message, not to a position in the text.
  return { role: "user", content: texts.join("\n"), ...(inline.length > 0 ? { images: inline } : {}) };
}

function imageData(url: string, images: ImageLookup, at: string): string {
  const image = images.get(url) ?? parseDataUrl(url);
  if (!image) throw new GatewayInputError(`${at}: image_url was not loaded`, `${at}.image_url`);
  if (!image.mimeType.startsWith("image/")) {
    throw new GatewayInputError(`${at}: image_url is ${image.mimeType}, not an image`, `${at}.image_url`);
  }
  const data = image.data.replace(/\s+/g, "");
  if (!BASE64.test(data) || data.length % 4 === 1) throw new GatewayInputError(`${at}: image data is not valid base64`, `${at}.image_url`);
  return data;
}

function assistantMessage(
  message: Extract<ChatCompletionMessageParam, { role: "assistant" }>,
  at: string,
): OllamaMessage {
  if (message.function_call) {
    throw new GatewayInputError(`${at}.function_call is deprecated and not supported; use tool_calls`, `${at}.function_call`);
  }
  if (message.audio) throw new GatewayInputError(`${at}.audio is not supported by Ollama`, `${at}.audio`);
  let content = textOf(message.content, at);
  // A refusal the model gave earlier is still what it said.
  if (content === "" && typeof message.refusal === "string") content = message.refusal;
  const calls = (message.tool_calls ?? []).map((call, j) => toolCall(call, `${at}.tool_calls[${j}]`));
  return { role: "assistant", content, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
}

function toolCall(call: ChatCompletionMessageToolCall, at: string): OllamaToolCall {
  if (call.type !== "function") throw new GatewayInputError(`${at}: custom tool calls are not supported by Ollama`, `${at}.type`);
  return { function: { name: call.function.name, arguments: parseArguments(call.function.arguments, `${at}.function.arguments`) } };
}

/** Ollama takes arguments as an object; OpenAI carries them as a JSON string. */
function parseArguments(raw: string, at: string): Record<string, unknown> {
  return argumentsObject(raw, (fault) => new GatewayInputError(`${at} ${fault === "invalid-json" ? "is not valid JSON" : "must be a JSON object"}`, at));
}
