// OpenAI chat messages as Gemini `contents` plus `systemInstruction`. Gemini has two roles,
// `user` and `model`; tool results are `functionResponse` parts in a user turn, named by the
// function they answer. Adjacent turns of one role are merged into one turn.
import { FunctionResponse, type Content, type Part } from "@google/genai";
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { parseDataUrl, type InlineImage } from "../images.ts";
import { GatewayInputError } from "../input-error.ts";
import { argumentsObject } from "../tool-arguments.ts";
import { thoughtSignatureOf } from "./tool-call-id.ts";

/**
 * Gemini's documented placeholder for a function call whose thought signature is unknown
 * (history written by another model or provider); Gemini 3 rejects unsigned calls otherwise.
 */
export const UNKNOWN_SIGNATURE = "skip_thought_signature_validator";

export interface Conversation {
  systemInstruction: Content | undefined;
  contents: Content[];
}

export interface ConversationOptions {
  /** Inline images by URL, resolved before translation (data URLs may also be parsed here). */
  images: ReadonlyMap<string, InlineImage>;
  /** Sign unsigned replayed function calls with the placeholder (Gemini 3 and later). */
  requireSignatures: boolean;
}

export function toConversation(messages: readonly ChatCompletionMessageParam[], options: ConversationOptions): Conversation {
  const system: Part[] = [];
  const contents: Content[] = [];
  // Tool results name the function they answer; OpenAI only carries the call id.
  const callNames = new Map<string, string>();

  const push = (role: "user" | "model", parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  };

  for (const message of messages) {
    switch (message.role) {
      case "system":
      case "developer":
        // Gemini has one system instruction; system text from anywhere in the conversation joins it.
        system.push(...textParts(message.content));
        break;
      case "user":
        push("user", userParts(message.content, options.images));
        break;
      case "assistant":
        push("model", assistantParts(message, callNames, options.requireSignatures));
        break;
      case "tool": {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          throw new GatewayInputError(
            `tool message refers to tool_call_id "${message.tool_call_id}", which no earlier assistant message called`,
            "messages",
          );
        }
        push("user", [functionResponsePart(name, toolResponse(joinText(message.content)))]);
        break;
      }
      case "function":
        push("user", [functionResponsePart(message.name, toolResponse(message.content ?? ""))]);
        break;
      default:
        throw new GatewayInputError(`unsupported message role "${(message as { role: string }).role}"`, "messages");
    }
  }

  if (contents.length === 0) {
    throw new GatewayInputError("messages must contain at least one user or assistant message with content", "messages");
  }
  return { systemInstruction: system.length > 0 ? { parts: system } : undefined, contents };
}

function textParts(content: string | ReadonlyArray<{ type: string; text?: string }>): Part[] {
  const text = typeof content === "string" ? content : content.map((p) => p.text ?? "").join("");
  return text === "" ? [] : [{ text }];
}

function joinText(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === "string" ? content : content.map((p) => p.text).join("");
}

function userParts(content: string | ChatCompletionContentPart[], images: ReadonlyMap<string, InlineImage>): Part[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  const parts: Part[] = [];
  for (const part of content) {
    switch (part.type) {
      case "text":
        if (part.text !== "") parts.push({ text: part.text });
        break;
      case "image_url": {
        // `detail` is a resolution hint with no Gemini equivalent per part; the image is sent as is.
        const image = images.get(part.image_url.url) ?? parseDataUrl(part.image_url.url);
        if (!image) throw new GatewayInputError("image_url was not loaded before translation", "messages");
        parts.push({ inlineData: { mimeType: image.mimeType, data: image.data } });
        break;
      }
      case "input_audio":
        parts.push({
          inlineData: { mimeType: part.input_audio.format === "mp3" ? "audio/mp3" : "audio/wav", data: part.input_audio.data },
        });
        break;
      case "file":
        parts.push(filePart(part.file));
        break;
      default:
        throw new GatewayInputError(`unsupported content part type "${(part as { type: string }).type}"`, "messages");
    }
  }
  return parts;
}

function filePart(file: { file_data?: string; file_id?: string; filename?: string }): Part {
  if (file.file_data === undefined) {
    throw new GatewayInputError("file parts need file_data; OpenAI file ids cannot be read by this provider", "messages");
  }
  // OpenAI sends file_data as a data URL; bare base64 is taken as PDF, the only type chat files accept.
  const inline = parseDataUrl(file.file_data) ?? { mimeType: "application/pdf", data: file.file_data };
  return { inlineData: inline };
}

function assistantParts(
  message: ChatCompletionAssistantMessageParam,
  callNames: Map<string, string>,
  requireSignatures: boolean,
): Part[] {
  const parts: Part[] = [];
  if (typeof message.content === "string") {
    if (message.content !== "") parts.push({ text: message.content });
  } else if (message.content) {
    for (const part of message.content) {
      const text = part.type === "text" ? part.text : part.refusal;
      if (text !== "") parts.push({ text });
    }
  }
  const calls: Part[] = [];
  for (const call of message.tool_calls ?? []) {
    if (call.type !== "function") {
      throw new GatewayInputError("custom tool calls are not supported by this provider", "messages");
    }
    callNames.set(call.id, call.function.name);
    const signature = thoughtSignatureOf(call.id);
    calls.push({
      functionCall: { name: call.function.name, args: parseArguments(call.function.arguments) },
      ...(signature === undefined ? {} : { thoughtSignature: signature }),
    });
  }
  if (message.function_call) {
    calls.push({ functionCall: { name: message.function_call.name, args: parseArguments(message.function_call.arguments) } });
  }
  // Parallel calls carry one signature, on the first call; a turn with none was not written by Gemini.
  const first = calls[0];
  if (requireSignatures && first && calls.every((c) => c.thoughtSignature === undefined)) {
    first.thoughtSignature = UNKNOWN_SIGNATURE;
  }
  return [...parts, ...calls];
}

function parseArguments(raw: string): Record<string, unknown> {
  return argumentsObject(raw, () => new GatewayInputError("assistant tool_calls arguments must be a JSON object", "messages"));
}

function functionResponsePart(name: string, response: Record<string, unknown>): Part {
  // The SDK declares FunctionResponse as a class (fields only); build a real instance of it.
  return { functionResponse: Object.assign(new FunctionResponse(), { name, response }) };
}

/**
 * Gemini wants a JSON object as the function's response: a JSON object result is passed as is,
 * anything else goes under `output`, the key Gemini documents for a function's output.
 */
function toolResponse(content: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(content);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return { output: value };
  } catch {
    return { output: content };
  }
}
