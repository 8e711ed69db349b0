// What routing needs to know about a request, measured in one pass over the messages (or, for
// embeddings, over the input texts).
import { embeddingInputs } from "../providers/embeddings-input.ts";
import type { ChatRequest, EmbeddingsRequest } from "../providers/types.ts";

/** The canonical requests routing measures and classifies. */
export type MeasuredRequest = ChatRequest | EmbeddingsRequest;

/** Chat requests carry messages; embeddings requests carry input. */
export function isChatRequest(req: MeasuredRequest): req is ChatRequest {
  return Array.isArray((req as { messages?: unknown }).messages);
}

export interface RequestFeatures {
  /** Estimated prompt tokens (see estimate below). */
  promptTokens: number;
  hasTools: boolean;
  hasImages: boolean;
  /** The completion budget the client asked for, if any. */
  maxTokens: number | undefined;
}

/** Roughly four characters a token in English text and code; per-message framing on top. */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
/** An image of unknown size, priced like a 1024×1024 high-detail image. */
const TOKENS_PER_IMAGE = 765;

export function measure(req: MeasuredRequest): RequestFeatures {
  if (!isChatRequest(req)) return measureInput(req);
  let chars = 0;
  let images = 0;
  for (const message of req.messages) {
    const content = (message as { content?: unknown }).content;
    if (typeof content === "string") chars += content.length;
    else if (Array.isArray(content)) {
      // String content and text parts.
      for (const part of content) {
        const text = (part as { text?: unknown }).text;
        if (typeof text === "string") chars += text.length;
        if ((part as { type?: unknown }).type === "image_url") images += 1;
      }
    }
    const calls = (message as { tool_calls?: unknown }).tool_calls;
    if (Array.isArray(calls)) chars += JSON.stringify(calls).length;
  }
  const tools = req.tools ?? [];
  if (tools.length > 0) chars += JSON.stringify(tools).length;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? undefined;
  return {
    promptTokens: Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * req.messages.length + TOKENS_PER_IMAGE * images,
    hasTools: tools.length > 0,
    hasImages: images > 0,
    maxTokens: maxTokens ?? undefined,
  };
}

/** Embeddings: the input texts (token arrays count one token an entry); nothing is generated. */
function measureInput(req: EmbeddingsRequest): RequestFeatures {
  let chars = 0;
  let tokens = 0;
  for (const item of embeddingInputs(req.input)) {
    if (typeof item === "string") chars += item.length;
    else tokens += item.length;
  }
  return { promptTokens: Math.ceil(chars / CHARS_PER_TOKEN) + tokens, hasTools: false, hasImages: false, maxTokens: undefined };
}
