// The request shapes of each front door and lane, by name, for the scripts that load one lane at a
// time (profile.ts, instructions.ts, the per-chunk scenario). `translated` lanes are served by
// an upstream of another protocol, so only the gateway can run them.
import {
  CACHED_MODEL,
  chatBody,
  CHAT_PATH,
  EMBED_PATH,
  embeddingsBody,
  headers,
  MESSAGES_PATH,
  messagesBody,
  messagesHeaders,
  RESPONSES_PATH,
  responsesBody,
  TRANSLATED_MESSAGES_MODEL,
  TRANSLATED_RESPONSES_MODEL,
} from "./requests.ts";

export interface Lane {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** Only the gateway translates; a bare proxy cannot serve this lane. */
  readonly translated: boolean;
  /** Whether the lane can stream (embeddings cannot; the fake answers Responses with JSON only). */
  readonly streams: boolean;
  body(stream: boolean): string;
}

export const LANES: readonly Lane[] = [
  { name: "chat", path: CHAT_PATH, headers, translated: false, streams: true, body: (stream) => chatBody({ stream }) },
  { name: "messages", path: MESSAGES_PATH, headers: messagesHeaders, translated: false, streams: true, body: (stream) => messagesBody({ stream }) },
  {
    name: "messages-tr",
    path: MESSAGES_PATH,
    headers: messagesHeaders,
    translated: true,
    streams: true,
    body: (stream) => messagesBody({ model: TRANSLATED_MESSAGES_MODEL, stream }),
  },
  { name: "responses", path: RESPONSES_PATH, headers, translated: false, streams: false, body: () => responsesBody() },
  {
    name: "responses-tr",
    path: RESPONSES_PATH,
    headers,
    translated: true,
    streams: true,
    body: (stream) => responsesBody({ model: TRANSLATED_RESPONSES_MODEL, stream }),
  },
  // The cache scenario's requests: a hit (after the first), and a miss that stores (no-cache).
  { name: "cache-hit", path: CHAT_PATH, headers, translated: false, streams: true, body: (stream) => chatBody({ model: CACHED_MODEL, stream }) },
  {
    name: "cache-miss",
    path: CHAT_PATH,
    headers: { ...headers, "cache-control": "no-cache" },
    translated: false,
    streams: true,
    body: (stream) => chatBody({ model: CACHED_MODEL, stream }),
  },
  { name: "embeddings", path: EMBED_PATH, headers, translated: false, streams: false, body: () => embeddingsBody() },
];

export function laneNamed(name: string): Lane {
  const lane = LANES.find((l) => l.name === name);
  if (!lane) throw new Error(`unknown lane "${name}": one of ${LANES.map((l) => l.name).join(", ")}`);
  return lane;
}
