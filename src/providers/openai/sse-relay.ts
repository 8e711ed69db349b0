// Relays an OpenAI SSE body as it arrives while watching it: usage is read from the usage
// chunk, and that chunk is dropped when the gateway asked for it on the client's behalf.
// Complete events are forwarded as soon as their blank line arrives; nothing else is held.
// A chunk of whole events with no usage object in it (nearly all of them) passes as it came,
// without being decoded.
import type { ChunkStage, RelayedStream } from "../relayed-stream.ts";
import type { Usage } from "../types.ts";
import { scanUsage } from "./usage-scan.ts";

export interface RelayOptions {
  /** Drop the usage-only chunk (`"choices":[]`) the client did not ask for. */
  stripUsageChunk: boolean;
}

export interface SseRelay {
  body: RelayedStream;
  usage: Promise<Usage | undefined>;
}

const encoder = new TextEncoder();
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;
const USAGE_KEY = Buffer.from('"usage"');

export function relaySse(body: RelayedStream, options: RelayOptions): SseRelay {
  let settle!: (usage: Usage | undefined) => void;
  const usage = new Promise<Usage | undefined>((resolve) => (settle = resolve));
  return { body: body.through(new SseUsageStage(options.stripUsageChunk, settle)), usage };
}

class SseUsageStage implements ChunkStage {
  readonly #strip: boolean;
  readonly #settle: (usage: Usage | undefined) => void;
  #decoder: InstanceType<typeof TextDecoder> | undefined;
  #carry = "";
  /** Everything so far ended on an event boundary: nothing is carried, in the decoder or here. */
  #clean = true;
  #seen: Usage | undefined;

  constructor(strip: boolean, settle: (usage: Usage | undefined) => void) {
    this.#strip = strip;
    this.#settle = settle;
  }

  chunk(bytes: Uint8Array): Uint8Array | undefined {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const whole = endsAnEvent(buf);
    if (this.#clean && whole && !mayHoldUsage(buf)) return bytes;
    this.#clean = whole;
    const decoder = (this.#decoder ??= new TextDecoder());
    const text = this.#carry + decoder.decode(buf, { stream: true });
    const end = lastEventEnd(text);
    if (end < 0) {
      this.#carry = text;
      return this.#strip ? undefined : bytes;
    }
    const complete = text.slice(0, end);
    this.#carry = text.slice(end);
    if (USAGE_OBJECT.test(complete)) {
      const found = usageIn(complete);
      if (found) this.#seen = found;
      if (this.#strip) {
        const kept = dropUsageEvents(complete);
        return kept ? encoder.encode(kept) : undefined;
      }
    }
    return this.#strip ? encoder.encode(complete) : bytes;
  }

  end(error: Error | undefined): Uint8Array | undefined {
    this.#settle(this.#seen);
    return error === undefined && this.#strip && this.#carry ? encoder.encode(this.#carry) : undefined;
  }
}

/** The bytes end with a blank line (`\n\n` or `\r\n\r\n`). */
function endsAnEvent(buf: Buffer): boolean {
  const n = buf.length;
  if (n < 2 || buf[n - 1] !== 10) return false;
  if (buf[n - 2] === 10) return true;
  return n >= 4 && buf[n - 2] === 13 && buf[n - 3] === 10 && buf[n - 4] === 13;
}

/**
 * Whether a `"usage"` key might be followed by an object (`USAGE_OBJECT` decides on the text);
 * `"usage":null`, which OpenAI puts on every chunk of a stream asked for usage, is not.
 */
function mayHoldUsage(buf: Buffer): boolean {
  for (let at = buf.indexOf(USAGE_KEY); at !== -1; at = buf.indexOf(USAGE_KEY, at + USAGE_KEY.length)) {
    let i = skipSpace(buf, at + USAGE_KEY.length);
    if (buf[i] !== 58 /* : */) {
      if (i < buf.length && (buf[i] as number) < 0x80) continue;
      return true;
    }
    i = skipSpace(buf, i + 1);
    if (i < buf.length && buf[i] !== 123 /* { */ && (buf[i] as number) < 0x80) continue;
    return true;
  }
  return false;
}

/** Past ASCII whitespace (what `\s` matches below U+0080). */
function skipSpace(buf: Buffer, from: number): number {
  let i = from;
  for (let c = buf[i]; c === 32 || (c !== undefined && c >= 9 && c <= 13); c = buf[++i]);
  return i;
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
