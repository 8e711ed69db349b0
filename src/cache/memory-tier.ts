// The in-process tier: parsed entries in an LRU bounded by the bytes of their JSON (and of any
// ready-to-send body kept with them), so a flood of large answers evicts old ones instead of
// growing the heap. Expiry is checked against the
// cache's clock on every read.
import { LRUCache } from "lru-cache";
import type { Entry } from "./entry.ts";

export interface MemoryTier {
  get(key: string, now: number): Entry | undefined;
  set(key: string, entry: Entry, bytes: number): void;
  /** `entry`, still held under `key`, now carries `bytes` more (a rendering kept with it): counted, and the bound enforced. */
  grow(key: string, entry: Entry, bytes: number): void;
  /** Bytes held (the JSON size of the entries), for tests and the bench. */
  readonly bytes: number;
}

interface Held {
  readonly entry: Entry;
  readonly bytes: number;
}

export function createMemoryTier(maxBytes: number): MemoryTier {
  const lru = new LRUCache<string, Held>({ maxSize: maxBytes, sizeCalculation: (held) => held.bytes });
  return {
    get(key, now) {
      const held = lru.get(key);
      if (held === undefined) return undefined;
      if (held.entry.expiresAt > now) return held.entry;
      lru.delete(key);
      return undefined;
    },
    set(key, entry, bytes) {
      // Counted with an allowance for the object around the JSON and for the key (a short
      // request's canonical text, up to two bytes a character); entries above the bound are refused by lru-cache.
      lru.set(key, { entry, bytes: bytes + 256 + 2 * key.length });
    },
    grow(key, entry, bytes) {
      const held = lru.peek(key);
      if (held?.entry === entry) lru.set(key, { entry, bytes: held.bytes + bytes });
    },
    get bytes() {
      return lru.calculatedSize;
    },
  };
}
