// The tiers together: memory first, then Redis when configured. Local entries (confidential
// requests) stay in memory and never reach Redis. An entry found in Redis is kept in memory
// too, for at most LOCAL_TTL_CAP_MS, so a refresh written by another replica is seen soon.
import type { Entry, Tier } from "./entry.ts";
import { sharedKey } from "./key.ts";
import type { MemoryTier } from "./memory-tier.ts";
import type { RedisTier } from "./redis-tier.ts";

export interface Found {
  readonly entry: Entry;
  readonly tier: Exclude<Tier, "inflight">;
}

export interface Lookup {
  /** In-process only (confidential). */
  readonly local: boolean;
  /** Accept entries stored at most this long ago (`Cache-Control: max-age`). */
  readonly maxAgeMs: number | undefined;
}

export interface EntryStore {
  /** The deepest tier a miss consulted, for the miss metric. */
  missTier(local: boolean): Exclude<Tier, "inflight">;
  get(key: string, lookup: Lookup): Found | Promise<Found | undefined> | undefined;
  /** Stores in the background; false when the entry is too large to keep. `json` is `value`'s JSON text, when the caller has it. */
  put(key: string, value: unknown, ttlMs: number, local: boolean, json?: string): boolean;
  /** Keeps `entry`, made from `json` (its value's JSON text), in this process only; false when it is too large to keep. */
  hold(key: string, entry: Entry, json: string): boolean;
  /** A rendering of `entry` (found under `key`) is kept with it: its bytes count against the memory bound. */
  grew(key: string, entry: Entry, bytes: number): void;
  readonly now: () => number;
}

const LOCAL_TTL_CAP_MS = 60_000;

export function createEntryStore(memory: MemoryTier, redis: RedisTier | undefined, maxEntryBytes: number, now: () => number): EntryStore {
  const fresh = (entry: Entry, lookup: Lookup, at: number) => lookup.maxAgeMs === undefined || at - entry.storedAt <= lookup.maxAgeMs;
  const keepLocally = (key: string, entry: Entry, bytes: number, at: number, local: boolean) => {
    const expiresAt = redis && !local ? Math.min(entry.expiresAt, at + LOCAL_TTL_CAP_MS) : entry.expiresAt;
    memory.set(key, expiresAt === entry.expiresAt ? entry : { ...entry, expiresAt }, bytes);
  };

  return {
    now,
    missTier: (local) => (redis && !local ? "redis" : "memory"),
    get(key, lookup) {
      const at = now();
      const inMemory = memory.get(key, at);
      // A value read lazily that proved no answer (see lazyEntry) is no entry.
      if (inMemory && fresh(inMemory, lookup, at) && inMemory.value !== undefined) return { entry: inMemory, tier: "memory" };
      if (!redis || lookup.local) return undefined;
      return redis.get(sharedKey(key)).then((stored) => {
        const later = now();
        if (!stored) return undefined;
        const { entry } = stored;
        if (entry.expiresAt <= later || !fresh(entry, lookup, later)) return undefined;
        keepLocally(key, entry, stored.bytes, later, false);
        return { entry, tier: "redis" as const };
      });
    },
    grew: (key, entry, bytes) => memory.grow(key, entry, bytes),
    put(key, value, ttlMs, local, valueJson) {
      const at = now();
      const entry: Entry = { value, storedAt: at, expiresAt: at + ttlMs };
      // The same JSON as stringifying the entry, without serialising the value a second time.
      const json = valueJson === undefined ? JSON.stringify(entry) : entryJson(valueJson, entry);
      if (json.length > maxEntryBytes) return false;
      keepLocally(key, entry, json.length, at, local);
      if (redis && !local) void redis.set(sharedKey(key), json, ttlMs);
      return true;
    },
    hold(key, entry, valueJson) {
      const bytes = entryJsonLength(valueJson, entry);
      if (bytes > maxEntryBytes) return false;
      memory.set(key, entry, bytes);
      return true;
    },
  };
}

/** The entry's JSON (as JSON.stringify writes it) around its value's JSON text, which is not serialised again. */
function entryJson(valueJson: string, entry: Entry): string {
  return `{"value":${valueJson},"storedAt":${entry.storedAt},"expiresAt":${entry.expiresAt}}`;
}

/** How long entryJson's text would be, without making it. */
function entryJsonLength(valueJson: string, entry: Entry): number {
  return ENTRY_FRAME + valueJson.length + digits(entry.storedAt) + digits(entry.expiresAt);
}

/** The characters entryJson adds around the value and the two times (each written here as one digit). */
const ENTRY_FRAME = entryJson("", { value: undefined, storedAt: 0, expiresAt: 0 }).length - 2;

/** Digits of a time in epoch milliseconds, in decimal (its integer part; the memory bound needs no more). */
function digits(n: number): number {
  let count = 1;
  for (let rest = Math.floor(n / 10); rest >= 1; rest = Math.floor(rest / 10)) count += 1;
  return count;
}
