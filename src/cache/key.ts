// Entry keys: SHA-256 over a canonical serialisation of what decides the answer. Every value
// is written with a type tag and strings with their length, so no two different requests can
// write the same byte sequence; object keys are sorted, so key order never changes the key.
// Short pieces are gathered and hashed in one call (a hash object and a native call per piece
// cost more than the hashing of a small request); a long text goes to the hash as it is, never
// copied into a bigger string first. In process, a short request's key is the canonical text
// itself; Redis always gets the digest.
import { createHash, hash as hashOnce, type Hash } from "node:crypto";
import type { Sensitivity } from "../config/types.ts";

/** Bumped when the entry format or the key's pieces change, so old entries stop matching. */
export const KEY_FORMAT = "llmgw-cache-1";

export interface KeyScope {
  /** The key's name, or `*` for a model that shares entries across keys. */
  readonly namespace: string;
  readonly sensitivity: Sensitivity;
  readonly publicModel: string;
  /** The operation (`chat`, `embedding`), so two operations never share an entry. */
  readonly operation: string;
}

/** A text this long is hashed where it lies; shorter pieces wait to be hashed together. */
const LONG_PIECE = 4096;
/** Gathered pieces are hashed once they reach this many characters. */
const GATHER_LIMIT = 65_536;

/** Keys whose canonical text is at most this long are that text (see KeyHash.key). */
const TEXT_KEY_LIMIT = 512;

/** How every canonical text begins (scopedHash writes the format first); a hex digest never does. */
const TEXT_KEY_HEAD = `s${KEY_FORMAT.length}:${KEY_FORMAT}`;

/** The key as Redis holds it, shared by every replica: the SHA-256 of the canonical text, whichever form `key` is in. */
export function sharedKey(key: string): string {
  return key.startsWith(TEXT_KEY_HEAD) ? hashOnce("sha256", key, "hex") : key;
}

/** The SHA-256 of the pieces written, in order (the same digest as hashing each piece in turn). */
export class KeyHash {
  /** Short pieces not yet hashed, appended in place (a rope V8 flattens once, when hashed). */
  #pending = "";
  #hash: Hash | undefined;

  update(text: string): void {
    if (text.length >= LONG_PIECE) {
      this.#flush().update(text);
      return;
    }
    this.#pending += text;
    if (this.#pending.length >= GATHER_LIMIT) this.#flush();
  }

  /** An independent hash that has seen the same pieces (a prefix shared by several keys). */
  copy(): KeyHash {
    const twin = new KeyHash();
    twin.#pending = this.#pending;
    twin.#hash = this.#hash?.copy();
    return twin;
  }

  /**
   * The entry key: a short request's canonical text itself (the in-process tier and the
   * in-flight map look it up as it is, with no digest: a native SHA-256 call costs more than the
   * lookup), a longer one's hex digest. `sharedKey` turns either into the digest Redis keys by.
   */
  key(): string {
    if (this.#hash === undefined && this.#pending.length <= TEXT_KEY_LIMIT) return this.#pending;
    return this.digest();
  }

  /** Hex digest; a small key never builds a hash object at all. */
  digest(): string {
    if (this.#hash === undefined) return hashOnce("sha256", this.#pending, "hex");
    return this.#flush().digest("hex");
  }

  #flush(): Hash {
    const hash = (this.#hash ??= createHash("sha256"));
    if (this.#pending.length > 0) hash.update(this.#pending);
    this.#pending = "";
    return hash;
  }
}

/** Starts a key's hash with its scope; the caller adds the answer-changing fields. */
export function scopedHash(scope: KeyScope): KeyHash {
  const hash = new KeyHash();
  for (const part of [KEY_FORMAT, scope.operation, scope.namespace, scope.sensitivity, scope.publicModel]) writeString(hash, part);
  return hash;
}

/**
 * Writes the fields of `body` that change the answer: every field except those `skip` names
 * (transport and bookkeeping fields), sorted by name.
 */
export function writeFields(hash: KeyHash, body: Readonly<Record<string, unknown>>, skip: ReadonlySet<string>): void {
  const names = fieldNames(body, skip);
  hash.update("{");
  for (const name of names) {
    writeString(hash, name);
    writeValue(hash, body[name]);
  }
  hash.update("}");
}

/** A JSON value, canonically: tagged, strings length-prefixed, object keys sorted, undefined members left out. */
export function writeValue(hash: KeyHash, value: unknown): void {
  if (value === null || value === undefined) {
    hash.update("n");
  } else if (typeof value === "string") {
    writeString(hash, value);
  } else if (typeof value === "number") {
    hash.update(`d${value};`);
  } else if (typeof value === "boolean") {
    hash.update(value ? "t" : "f");
  } else if (Array.isArray(value)) {
    hash.update(`a${value.length}[`);
    for (const item of value) writeValue(hash, item);
    hash.update("]");
  } else if (typeof value === "object") {
    writeFields(hash, value as Record<string, unknown>, NONE);
  } else {
    // Not JSON (a parsed body holds none of these): one tag, so the key stays defined.
    hash.update("?");
  }
}

const NONE: ReadonlySet<string> = new Set();

/** The names of `body`'s defined fields not in `skip`, sorted (insertion: objects are small). */
function fieldNames(body: Readonly<Record<string, unknown>>, skip: ReadonlySet<string>): string[] {
  const names: string[] = [];
  for (const name in body) {
    if (!Object.hasOwn(body, name) || body[name] === undefined || (skip.size > 0 && skip.has(name))) continue;
    let at = names.length;
    while (at > 0 && (names[at - 1] as string) > name) {
      names[at] = names[at - 1] as string;
      at -= 1;
    }
    names[at] = name;
  }
  return names;
}

function writeString(hash: KeyHash, text: string): void {
  // One piece when short (the same bytes); a long text is handed on as it is, never copied.
  if (text.length < LONG_PIECE) {
    hash.update(`s${text.length}:${text}`);
    return;
  }
  hash.update(`s${text.length}:`);
  hash.update(text);
}
