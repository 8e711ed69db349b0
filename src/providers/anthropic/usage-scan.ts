// Usage from Anthropic Messages bytes as they pass, without parsing whole payloads: the usage
// object is small and sits at the end of a message, and in a stream only `message_start` and
// `message_delta` carry it. Anthropic's three input counts are disjoint (input_tokens counts
// only what follows the last cache breakpoint); the canonical prompt_tokens is their sum.
import { skipJsonSpace } from "../../json/whitespace.ts";
import type { Usage } from "../types.ts";

/** The fields of an Anthropic usage object the gateway reads; null or absent when not reported. */
export interface MessagesUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

const FIELDS = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const;
const QUOTED = FIELDS.map((field) => [field, `"${field}"`] as const);

/** The usage object last in `text` (a message, or one stream event); undefined when it has none. */
export function scanMessagesUsage(text: string): MessagesUsage | undefined {
  const at = text.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const usage: MessagesUsage = {};
  let found = false;
  for (const [field, quoted] of QUOTED) {
    const value = countAfter(text, quoted, at + 7);
    if (value === undefined) continue;
    usage[field] = value;
    found = true;
  }
  return found ? usage : undefined;
}

const COLON = 0x3a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * The first `"name": <digits>` in `text` from `from` on, as a number (a regex per field measured
 * at about a percent of a native Messages request): a name followed by anything else (`null`) is
 * passed over, as the pattern would.
 */
function countAfter(text: string, quoted: string, from: number): number | undefined {
  for (let at = text.indexOf(quoted, from); at >= 0; at = text.indexOf(quoted, at + 1)) {
    let i = skipJsonSpace(text, at + quoted.length);
    if (text.charCodeAt(i) !== COLON) continue;
    i = skipJsonSpace(text, i + 1);
    let value = 0;
    let digits = 0;
    for (let c = text.charCodeAt(i); c >= DIGIT_0 && c <= DIGIT_9; c = text.charCodeAt(++i)) {
      value = value * 10 + (c - DIGIT_0);
      digits += 1;
    }
    if (digits > 0) return value;
  }
  return undefined;
}

/** Later reports win field by field: message_delta's usage is cumulative, and may leave inputs out. */
export function mergeUsage(earlier: MessagesUsage | undefined, later: MessagesUsage): MessagesUsage {
  if (!earlier) return later;
  const merged: MessagesUsage = { ...earlier };
  for (const field of FIELDS) {
    const value = later[field];
    if (typeof value === "number") merged[field] = value;
  }
  return merged;
}

/** Anthropic usage in canonical terms: prompt_tokens includes cache reads and writes, as OpenAI's does. */
export function canonicalUsage(usage: MessagesUsage): Usage {
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  const completion = usage.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export interface UsageWatch {
  body: AsyncIterable<Uint8Array>;
  usage: Promise<Usage | undefined>;
}

/**
 * Relays an SSE body chunk by chunk, unchanged, reading usage from the events that carry it.
 * Only complete events are scanned; a partial one waits in `carry` for its blank line.
 */
export function watchStreamUsage(source: AsyncIterable<Uint8Array>): UsageWatch {
  let settle!: (usage: Usage | undefined) => void;
  const usage = new Promise<Usage | undefined>((resolve) => (settle = resolve));
  async function* body(): AsyncGenerator<Uint8Array> {
    const decoder = new TextDecoder();
    let carry = "";
    let seen: MessagesUsage | undefined;
    try {
      for await (const chunk of source) {
        const text = carry + decoder.decode(chunk, { stream: true });
        const end = Math.max(text.lastIndexOf("\n\n") + 2, text.lastIndexOf("\r\n\r\n") + 4);
        if (end < 2) {
          carry = text;
        } else {
          carry = text.slice(end);
          if (text.includes('"usage"')) seen = usageOfEvents(text.slice(0, end), seen);
        }
        yield chunk;
      }
    } finally {
      settle(seen === undefined ? undefined : canonicalUsage(seen));
    }
  }
  return { body: body(), usage };
}

function usageOfEvents(events: string, seen: MessagesUsage | undefined): MessagesUsage | undefined {
  let merged = seen;
  for (const event of events.split(/\r?\n\r?\n/)) {
    if (!event.includes('"message_start"') && !event.includes('"message_delta"')) continue;
    const found = scanMessagesUsage(event);
    if (found) merged = mergeUsage(merged, found);
  }
  return merged;
}
