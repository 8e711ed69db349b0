// Checks what the gateway itself needs of a Messages body (a model to route, a completion budget
// to reserve, turns to classify) and builds the door's request. Everything else is the
// upstream's to judge: unknown fields, new block types and betas pass as they are.
import type { IncomingHttpHeaders } from "node:http";
import { invalidRequest } from "../../http/errors.ts";
import type { ParseContext } from "../../pipeline/front-door.ts";
import { ROUTING_HINTS, withoutRoutingHints } from "../../routing/hints.ts";
import { MESSAGES_BODY, type MessagesRequest, type MessagesSource } from "./request.ts";
import { toChat, type Translation } from "./to-chat.ts";

type Json = Record<string, unknown>;

export function parseMessages(raw: unknown, line: ParseContext): MessagesRequest {
  const body = checkedBody(raw);
  if (!Number.isInteger(body["max_tokens"]) || (body["max_tokens"] as number) < 1) throw invalidRequest("max_tokens: a positive integer is required", "max_tokens");
  if (body["stream"] !== undefined && typeof body["stream"] !== "boolean") throw invalidRequest("stream: must be a boolean", "stream");
  // Anthropic refuses an empty conversation; refusing it here keeps a translated lane from
  // sending one to an upstream that would answer it or fail in its own words.
  if ((body["messages"] as unknown[]).length === 0) throw invalidRequest("messages: at least one message is required", "messages");
  return messagesRequest(body, line);
}

/** count_tokens takes the same body without max_tokens. */
export function parseCountTokens(raw: unknown, line: ParseContext): MessagesRequest {
  return messagesRequest(checkedBody(raw), line);
}

function checkedBody(raw: unknown): Json {
  if (!isObject(raw)) throw invalidRequest("request body must be a JSON object");
  if (typeof raw["model"] !== "string" || raw["model"] === "") throw invalidRequest("model: a model name is required", "model");
  const messages = raw["messages"];
  if (!Array.isArray(messages)) throw invalidRequest("messages: an array of messages is required", "messages");
  messages.forEach((message: unknown, i) => {
    if (!isObject(message) || typeof message["role"] !== "string") throw invalidRequest(`messages.${i}: a message needs a role`, `messages.${i}.role`);
    const content = message["content"];
    if (typeof content !== "string" && !Array.isArray(content)) throw invalidRequest(`messages.${i}.content: a string or an array of content blocks is required`, `messages.${i}.content`);
  });
  const system = raw["system"];
  if (system !== undefined && typeof system !== "string" && !Array.isArray(system)) throw invalidRequest("system: a string or an array of text blocks is required", "system");
  if (raw["tools"] !== undefined && !Array.isArray(raw["tools"])) throw invalidRequest("tools: an array is required", "tools");
  return raw;
}

function messagesRequest(body: Json, line: ParseContext): MessagesRequest {
  let translation: Translation | undefined;
  const source: MessagesSource = {
    body: withoutHints(body),
    headers: anthropicHeaders(line.headers ?? {}),
    search: line.search ?? "",
    stream: body["stream"] === true,
    translation() {
      if (translation) return translation;
      const built = toChat(body);
      const chat = withoutRoutingHints(built.chat);
      translation = chat === built.chat ? built : { ...built, chat };
      return translation;
    },
  };
  // Assigned one by one rather than spread in: this runs on every request.
  const req: { model: string; max_tokens?: number; hints?: Json; [MESSAGES_BODY]: MessagesSource } = { model: body["model"] as string, [MESSAGES_BODY]: source };
  if (typeof body["max_tokens"] === "number") req.max_tokens = body["max_tokens"];
  const hints = hintsOf(body["metadata"]);
  if (hints) req.hints = hints;
  return req;
}

function hintsOf(metadata: unknown): Json | undefined {
  if (!isObject(metadata) || !ROUTING_HINTS.some((hint) => hint in metadata)) return undefined;
  return Object.fromEntries(ROUTING_HINTS.filter((hint) => hint in metadata).map((hint) => [hint, metadata[hint]]));
}

/** The gateway's routing hints in `metadata` are read by classification, never sent upstream. */
function withoutHints(body: Json): Json {
  const metadata = body["metadata"];
  if (!isObject(metadata) || !ROUTING_HINTS.some((hint) => hint in metadata)) return body;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([name]) => !ROUTING_HINTS.includes(name)));
  return { ...body, metadata: kept };
}

function anthropicHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (!name.startsWith("anthropic-") || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
