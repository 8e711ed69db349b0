// The request bodies every arm receives, byte for byte the same.

export const BENCH_KEY = "bench-key-0123456789";
export const MODEL = "gpt-4o-mini";
export const FALLBACK_MODEL = "bench-fallback";
/** The same targets as MODEL with the response cache on (the cache scenario). */
export const CACHED_MODEL = "gpt-4o-mini-cached";
export const CHAT_PATH = "/v1/chat/completions";
export const EMBED_MODEL = "text-embedding-3-small";
export const EMBED_PATH = "/v1/embeddings";
export const RESPONSES_MODEL = "gpt-5-native";
/** Responses in, translated to chat and served by the Anthropic provider on the fake's Messages API. */
export const TRANSLATED_RESPONSES_MODEL = "responses-via-claude";
export const RESPONSES_PATH = "/v1/responses";

export const headers: Record<string, string> = {
  "content-type": "application/json",
  authorization: `Bearer ${BENCH_KEY}`,
};

/** The user's one-line prompt every chat arm is sent. */
const PROMPT = "Say hello in five words.";

export function chatBody(options: { model?: string; stream?: boolean; content?: string } = {}): string {
  return JSON.stringify({
    model: options.model ?? MODEL,
    messages: [
      { role: "system", content: "You are a terse assistant." },
      { role: "user", content: options.content ?? PROMPT },
    ],
    max_tokens: 64,
    ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** The next numbered prompt's number: one count for the process, so no two numbered requests are alike. */
let nextPrompt = 0;

/**
 * Chat bodies whose prompt carries a number (`content`, or the one-line prompt, then ` #` and ten
 * digits): each one a request the gateway has not seen, so on a cached model each is a miss
 * that stores a new entry. All of one length, so numbered bodies differ from each other, and
 * from those to another model, only where they must.
 */
export function numberedChatBodies(options: { model?: string; stream?: boolean; content?: string } = {}): () => string {
  const content = options.content ?? PROMPT;
  return () => chatBody({ ...options, content: `${content} #${String(nextPrompt++).padStart(10, "0")}` });
}

// Ten common words that tokenize to about one token each with the o200k/cl100k encodings.
const SENTENCE = "the team will review every open item before the next release ";

/** A user message of roughly `tokens` tokens (ordinary English, about one token per word). */
export function contentOfTokens(tokens: number): string {
  return SENTENCE.repeat(Math.max(1, Math.round(tokens / 10)));
}

/** A RAG-style embeddings call: 8 passages of about 40 tokens, base64 as the openai SDKs ask. */
export function embeddingsBody(): string {
  return JSON.stringify({
    model: EMBED_MODEL,
    input: Array.from({ length: 8 }, (_, i) => `passage ${i}: ${contentOfTokens(40)}`),
    encoding_format: "base64",
  });
}

export const MESSAGES_PATH = "/v1/messages";
/** Served by an `anthropic` provider on the native lane; the translated model by the OpenAI-protocol primary. */
export const MESSAGES_MODEL = "claude-sonnet-4-6";
export const TRANSLATED_MESSAGES_MODEL = "claude-via-openai";

/** As the Anthropic SDKs send them: the key in x-api-key, the API version alongside. */
export const messagesHeaders: Record<string, string> = {
  "content-type": "application/json",
  "x-api-key": BENCH_KEY,
  "anthropic-version": "2023-06-01",
};

export function messagesBody(options: { model?: string; stream?: boolean } = {}): string {
  return JSON.stringify({
    model: options.model ?? MESSAGES_MODEL,
    max_tokens: 64,
    system: [{ type: "text", text: "You are a terse assistant.", cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: "Say hello in five words." }],
    ...(options.stream ? { stream: true } : {}),
  });
}

/** A Responses API call as clients make it: instructions, one input message, store off. */
export function responsesBody(options: { model?: string; stream?: boolean } = {}): string {
  return JSON.stringify({
    model: options.model ?? RESPONSES_MODEL,
    instructions: "You are a terse assistant.",
    input: [{ role: "user", content: [{ type: "input_text", text: "Say hello in five words." }] }],
    max_output_tokens: 64,
    store: false,
    ...(options.stream ? { stream: true } : {}),
  });
}
