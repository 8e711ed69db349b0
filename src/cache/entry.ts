// One stored answer with its times, and its bytes as Redis holds them: JSON, deflated above a
// threshold (long answers and embeddings compress several times over), behind a one-byte tag.
import { promisify } from "node:util";
import { deflateRaw, inflateRaw } from "node:zlib";

export interface Entry<T = unknown> {
  readonly value: T;
  /** Epoch ms. */
  readonly storedAt: number;
  readonly expiresAt: number;
}

/**
 * An entry kept as its value's JSON text, parsed and checked by `read` at its first use (an entry
 * replaced before anyone reads it is never parsed). Its value is undefined when `read` finds the
 * text is no such value: such an entry answers nothing.
 */
export function lazyEntry(json: string, read: (json: string) => unknown, storedAt: number, expiresAt: number): Entry {
  return new LazyEntry(json, read, storedAt, expiresAt);
}

/** A class rather than an object literal with a getter: every miss makes one, and a literal's accessor is defined anew each time. */
class LazyEntry implements Entry {
  #text: string | undefined;
  #value: unknown;
  readonly #read: (json: string) => unknown;
  readonly storedAt: number;
  readonly expiresAt: number;

  constructor(json: string, read: (json: string) => unknown, storedAt: number, expiresAt: number) {
    this.#text = json;
    this.#read = read;
    this.storedAt = storedAt;
    this.expiresAt = expiresAt;
  }

  get value(): unknown {
    if (this.#text !== undefined) {
      this.#value = this.#read(this.#text);
      this.#text = undefined;
    }
    return this.#value;
  }
}

/** Which tier answered: this process's memory, Redis, or an identical request in flight. */
export type Tier = "memory" | "redis" | "inflight";

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
const PLAIN = 0x6a; // "j"
const DEFLATED = 0x7a; // "z"

export async function encodeEntry(json: string, compressMinBytes: number): Promise<Buffer> {
  const body = Buffer.from(json, "utf8");
  if (body.byteLength < compressMinBytes) return Buffer.concat([Buffer.of(PLAIN), body]);
  return Buffer.concat([Buffer.of(DEFLATED), await deflate(body)]);
}

/** The entry, and the byte length of its JSON. */
export async function decodeEntry(bytes: Buffer): Promise<{ entry: Entry; bytes: number }> {
  const tag = bytes[0];
  const body = tag === DEFLATED ? await inflate(bytes.subarray(1)) : bytes.subarray(1);
  if (tag !== PLAIN && tag !== DEFLATED) throw new Error(`unknown cache entry encoding ${String(tag)}`);
  return { entry: JSON.parse(body.toString("utf8")) as Entry, bytes: body.byteLength };
}
