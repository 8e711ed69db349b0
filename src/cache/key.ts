// Entry keys: SHA-256 over a canonical serialisation of what decides the answer, fed to the
// hash piece by piece (a long prompt is never copied into one big string first). Every value
// is written with a type tag and strings with their length, so no two different requests can
// write the same byte sequence; object keys are sorted, so key order never changes the key.
import { createHash, type Hash } from "node:crypto";
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

/** Starts a key's hash with its scope; the caller adds the answer-changing fields. */
export function scopedHash(scope: KeyScope): Hash {
  const hash = createHash("sha256");
  for (const part of [KEY_FORMAT, scope.operation, scope.namespace, scope.sensitivity, scope.publicModel]) writeString(hash, part);
  return hash;
}

/**
 * Writes the fields of `body` that change the answer: every field except those `skip` names
 * (transport and bookkeeping fields), sorted by name.
 */
export function writeFields(hash: Hash, body: Readonly<Record<string, unknown>>, skip: ReadonlySet<string>): void {
  const names = Object.keys(body).filter((name) => !skip.has(name) && body[name] !== undefined).sort();
  hash.update("{");
  for (const name of names) {
    writeString(hash, name);
    writeValue(hash, body[name]);
  }
  hash.update("}");
}

/** A JSON value, canonically: tagged, strings length-prefixed, object keys sorted, undefined members left out. */
export function writeValue(hash: Hash, value: unknown): void {
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

function writeString(hash: Hash, text: string): void {
  hash.update(`s${text.length}:`);
  hash.update(text);
}
