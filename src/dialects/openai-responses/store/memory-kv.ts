// The in-process backend: a map in least-recently-used order, bounded by the bytes its values
// and keys take (UTF-16, as V8 holds them), each entry dropped once its TTL has passed.
import type { KeyValueStore } from "./kv.ts";

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
  readonly bytes: number;
}

export interface MemoryKvOptions {
  readonly maxBytes: number;
  readonly clock?: () => number;
}

export function createMemoryKv(options: MemoryKvOptions): KeyValueStore & { readonly bytes: number } {
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, Entry>();
  let bytes = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  };

  return {
    get bytes() {
      return bytes;
    },
    get(key) {
      const entry = entries.get(key);
      if (!entry) return Promise.resolve(undefined);
      if (entry.expiresAt <= clock()) {
        drop(key);
        return Promise.resolve(undefined);
      }
      // Re-inserted: the map's order is the eviction order, oldest use first.
      entries.delete(key);
      entries.set(key, entry);
      return Promise.resolve(entry.value);
    },
    set(items, ttlS) {
      const expiresAt = clock() + ttlS * 1000;
      for (const [key, value] of items) {
        drop(key);
        const size = 2 * (key.length + value.length);
        // A value larger than the whole store is not kept; it would only evict everything else.
        if (size > options.maxBytes) continue;
        entries.set(key, { value, expiresAt, bytes: size });
        bytes += size;
      }
      for (const key of entries.keys()) {
        if (bytes <= options.maxBytes) break;
        drop(key);
      }
      return Promise.resolve();
    },
    delete(keys) {
      for (const key of keys) drop(key);
      return Promise.resolve();
    },
    close() {
      entries.clear();
      bytes = 0;
      return Promise.resolve();
    },
  };
}
