// What routing measures of a Messages body (features.ts's estimate, tools, images, budget), read
// from the body as it came: the native lane forwards that body, so routing need not build the
// chat translation to classify it. One pass; the same four-characters-a-token estimate, with a
// turn's framing counted per message and per tool result (each is a message in chat terms).
import type { RequestFeatures } from "../../routing/features.ts";

type Json = Record<string, unknown>;

const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
/** An image of unknown size, priced like a 1024×1024 high-detail image (as features.ts does). */
const TOKENS_PER_IMAGE = 765;
/** The first system block Claude Code sends is billing attribution, never sent to another model. */
const ATTRIBUTION = "x-anthropic-billing-header:";

export function messagesFeatures(body: Readonly<Json>): RequestFeatures {
  const tally = { chars: 0, messages: 0, images: 0 };
  const system = body["system"];
  if (typeof system === "string" && system !== "") {
    tally.chars += system.length;
    tally.messages += 1;
  } else if (Array.isArray(system)) {
    const before = tally.chars;
    for (const block of system) {
      const text = isObject(block) ? block["text"] : undefined;
      if (typeof text === "string" && !text.startsWith(ATTRIBUTION)) tally.chars += text.length;
    }
    if (tally.chars > before) tally.messages += 1;
  }
  const messages = Array.isArray(body["messages"]) ? body["messages"] : [];
  for (const message of messages) {
    tally.messages += 1;
    const content = isObject(message) ? message["content"] : undefined;
    if (typeof content === "string") tally.chars += content.length;
    else if (Array.isArray(content)) for (const block of content) addBlock(block, tally);
  }
  const tools = Array.isArray(body["tools"]) ? body["tools"] : [];
  if (tools.length > 0) tally.chars += JSON.stringify(tools).length;
  const maxTokens = body["max_tokens"];
  return {
    promptTokens: Math.ceil(tally.chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * tally.messages + TOKENS_PER_IMAGE * tally.images,
    hasTools: tools.length > 0,
    hasImages: tally.images > 0,
    maxTokens: typeof maxTokens === "number" ? maxTokens : undefined,
  };
}

function addBlock(block: unknown, tally: { chars: number; messages: number; images: number }): void {
  if (!isObject(block)) return;
  switch (block["type"]) {
    case "text":
      if (typeof block["text"] === "string") tally.chars += block["text"].length;
      return;
    case "image":
      tally.images += 1;
      return;
    case "tool_use":
      tally.chars += (typeof block["name"] === "string" ? block["name"].length : 0) + JSON.stringify(block["input"] ?? {}).length;
      return;
    case "tool_result": {
      tally.messages += 1;
      const content = block["content"];
      if (typeof content === "string") tally.chars += content.length;
      else if (Array.isArray(content)) for (const part of content) if (isObject(part) && typeof part["text"] === "string") tally.chars += part["text"].length;
      return;
    }
    default:
      return;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
