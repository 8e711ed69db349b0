// The in-process tier: parsed entries in an LRU bounded by the bytes of their JSON (and of any
// ready-to-send body kept with them), so a flood of large answers evicts old ones instead of
// growing the heap. Expiry is checked against the cache's clock on every read.
//
// A Map and a doubly linked list of its nodes, in order of use: a hit is one Map lookup and a
// few pointer moves (lru-cache's general options, status and TTL bookkeeping cost several
// times more per call on the hit and miss paths).
import type { Entry } from "./entry.ts";

export interface MemoryTier {
  get(key: string, now: number): Entry | undefined;
  set(key: string, entry: Entry, bytes: number): void;
  /** `entry`, still held under `key`, now carries `bytes` more (a rendering kept with it): counted, and the bound enforced. */
  grow(key: string, entry: Entry, bytes: number): void;
  /** Bytes held (the JSON size of the entries), for tests and the bench. */
  readonly bytes: number;
}

interface Node {
  readonly key: string;
  entry: Entry;
  bytes: number;
  /** Towards the least recently used. */
  older: Node | undefined;
  /** Towards the most recently used. */
  newer: Node | undefined;
}

export function createMemoryTier(maxBytes: number): MemoryTier {
  const nodes = new Map<string, Node>();
  let oldest: Node | undefined;
  let newest: Node | undefined;
  let held = 0;

  const unlink = (node: Node) => {
    if (node.older) node.older.newer = node.newer;
    else oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else newest = node.older;
    node.older = node.newer = undefined;
  };
  const pushNewest = (node: Node) => {
    node.older = newest;
    if (newest) newest.newer = node;
    else oldest = node;
    newest = node;
  };
  const drop = (node: Node) => {
    unlink(node);
    nodes.delete(node.key);
    held -= node.bytes;
  };
  /** Stores `entry` at `bytes` as the most recently used; one larger than the whole bound is not kept (and drops what `key` held). */
  const put = (key: string, entry: Entry, bytes: number) => {
    const node = nodes.get(key);
    if (bytes > maxBytes) {
      if (node) drop(node);
      return;
    }
    if (node) {
      held += bytes - node.bytes;
      node.entry = entry;
      node.bytes = bytes;
      if (node !== newest) {
        unlink(node);
        pushNewest(node);
      }
    } else {
      const fresh: Node = { key, entry, bytes, older: undefined, newer: undefined };
      nodes.set(key, fresh);
      held += bytes;
      pushNewest(fresh);
    }
    while (held > maxBytes && oldest) drop(oldest);
  };

  return {
    get(key, now) {
      const node = nodes.get(key);
      if (node === undefined) return undefined;
      if (node.entry.expiresAt <= now) {
        drop(node);
        return undefined;
      }
      if (node !== newest) {
        unlink(node);
        pushNewest(node);
      }
      return node.entry;
    },
    set(key, entry, bytes) {
      // Counted with an allowance for the object around the JSON and for the key (a short
      // request's canonical text, up to two bytes a character).
      put(key, entry, bytes + 256 + 2 * key.length);
    },
    grow(key, entry, bytes) {
      const node = nodes.get(key);
      if (node?.entry === entry) put(key, entry, node.bytes + bytes);
    },
    get bytes() {
      return held;
    },
  };
}
