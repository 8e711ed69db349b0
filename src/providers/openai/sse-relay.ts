// Relays an OpenAI SSE body as it arrives while watching it: usage is read from the usage
// chunk, and that chunk is dropped when the gateway asked for it on the client's behalf.
// Complete events are forwarded as soon as their blank line arrives; nothing else is held.
import type { Usage } from "../types.ts";
import { scanUsage } from "./usage-scan.ts";

export interface RelayOptions {
  /** Drop the usage-only chunk (`"choices":[]`) the client did not ask for. */
  stripUsageChunk: boolean;
}

export interface SseRelay {
  body: AsyncIterable<Uint8Array>;
  usage: Promise<Usage | undefined>;
}

const encoder = new TextEncoder();
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

export function relaySse(source: AsyncIterable<Uint8Array>, options: RelayOptions): SseRelay {
  let settle!: (usage: Usage | undefined) => void;
  const usage = new Promise<Usage | undefined>((resolve) => (settle = resolve));
  let seen: Usage | undefined;

  async function* body(): AsyncGenerator<Uint8Array> {
    const decoder = new TextDecoder();
    let carry = "";
    try {
      for await (const chunk of source) {
        const text = carry + decoder.decode(chunk, { stream: true });
        const end = lastEventEnd(text);
        if (end < 0) {
          carry = text;
          if (!options.stripUsageChunk) yield chunk;
          continue;
        }
        const complete = text.slice(0, end);
        carry = text.slice(end);
        if (USAGE_OBJECT.test(complete)) {
          const found = usageIn(complete);
          if (found) seen = found;
          if (options.stripUsageChunk) {
            const kept = dropUsageEvents(complete);
            if (kept) yield encoder.encode(kept);
            continue;
          }
        }
        if (!options.stripUsageChunk) yield chunk;
        else yield encoder.encode(complete);
      }
      if (options.stripUsageChunk && carry) yield encoder.encode(carry);
    } finally {
      settle(seen);
    }
  }
  return { body: body(), usage };
}

/** Index just past the last complete event (after its blank line), or -1. */
function lastEventEnd(text: string): number {
  const lf = text.lastIndexOf("\n\n");
  const crlf = text.lastIndexOf("\r\n\r\n");
  if (lf < 0 && crlf < 0) return -1;
  return lf > crlf ? lf + 2 : crlf + 4;
}

function usageIn(events: string): Usage | undefined {
  let found: Usage | undefined;
  for (const event of events.split(/\r?\n\r?\n/)) {
    if (event.includes('"usage"')) found = scanUsage(event) ?? found;
  }
  return found;
}

function dropUsageEvents(events: string): string {
  return events
    .split(/(?<=\r?\n\r?\n)/)
    .filter((event) => !(EMPTY_CHOICES.test(event) && scanUsage(event) !== undefined))
    .join("");
}
