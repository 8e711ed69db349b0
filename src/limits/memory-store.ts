// The single-process store. Same semantics as the Redis store (leaky buckets, leased slots);
// every operation runs synchronously inside one tick, which is what makes it atomic.
// Bounded by an LRU: an evicted bucket reads as full and an evicted slot set as empty, which
// errs on the side of serving. Entries are few in practice (keys x limits + models x limits).
import { LRUCache } from "lru-cache";
import { bindingRefusal, bucketAdjust, bucketCheck, bucketState, drained, type Level } from "./bucket.ts";
import type {
  BucketAdjustment,
  BucketState,
  CheckRequest,
  CheckResult,
  Clock,
  LimitStore,
  PeekRequest,
  PeekResult,
  SlotRef,
  SlotRenewal,
  SlotState,
} from "./types.ts";

export interface MemoryStoreOptions {
  clock?: Clock;
  /** Most buckets and slot sets kept (each). */
  maxEntries?: number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): LimitStore {
  const clock = options.clock ?? Date.now;
  const max = options.maxEntries ?? 50_000;
  const levels = new LRUCache<string, Level>({ max });
  // slot id -> lease expiry
  const slotSets = new LRUCache<string, Map<string, number>>({ max });

  function liveSlots(key: string, now: number): Map<string, number> {
    let slots = slotSets.get(key);
    if (slots === undefined) {
      slots = new Map();
      slotSets.set(key, slots);
    }
    for (const [id, expiry] of slots) if (expiry <= now) slots.delete(id);
    return slots;
  }

  return {
    check(request: CheckRequest): Promise<CheckResult> {
      const now = clock();
      const outcomes = request.buckets.map((b) => bucketCheck(levels.get(b.key), now, b.limit, b.windowMs, b.cost));
      let allowed = outcomes.every((o) => o.allowed);

      let slot: SlotState | undefined;
      const claim = request.slot;
      if (claim !== undefined) {
        const slots = liveSlots(claim.key, now);
        const free = slots.size < claim.max;
        if (free && allowed) slots.set(claim.id, now + claim.leaseMs);
        slot = { max: claim.max, inUse: slots.size, acquired: free && allowed };
        allowed &&= free;
      }

      const buckets: BucketState[] = request.buckets.map((b, i) => {
        const o = outcomes[i];
        if (o === undefined) throw new Error("unreachable: one outcome per bucket");
        if (allowed && b.cost !== 0) levels.set(b.key, { level: o.newLevel, at: now });
        const state = bucketState(b.limit, b.windowMs, allowed ? o.levelAfter : o.levelBefore);
        return { kind: b.kind, limit: b.limit, ...state, retryAfterMs: o.retryAfterMs };
      });
      return Promise.resolve({
        allowed,
        buckets,
        slot,
        refused: allowed ? undefined : bindingRefusal(buckets, slot),
      });
    },

    adjust(adjustments: readonly BucketAdjustment[]): Promise<void> {
      const now = clock();
      for (const a of adjustments) {
        const level = bucketAdjust(levels.get(a.key), now, a.limit, a.windowMs, a.delta);
        if (level === undefined) levels.delete(a.key);
        else levels.set(a.key, { level, at: now });
      }
      return Promise.resolve();
    },

    peek(request: PeekRequest): Promise<PeekResult> {
      const now = clock();
      // LRU peek: reading for a status page must not keep an idle entry from being evicted.
      const buckets = request.buckets.map((b) => ({
        kind: b.kind,
        limit: b.limit,
        ...bucketState(b.limit, b.windowMs, drained(levels.peek(b.key), now, b.limit, b.windowMs)),
      }));
      const slotsInUse = request.slotKeys.map((key) => {
        let live = 0;
        for (const expiry of slotSets.peek(key)?.values() ?? []) if (expiry > now) live += 1;
        return live;
      });
      return Promise.resolve({ buckets, slotsInUse });
    },

    release(slot: SlotRef): Promise<void> {
      slotSets.get(slot.key)?.delete(slot.id);
      return Promise.resolve();
    },

    renew(slots: readonly SlotRenewal[]): Promise<void> {
      const now = clock();
      for (const s of slots) {
        const held = slotSets.get(s.key);
        const expiry = held?.get(s.id);
        if (held !== undefined && expiry !== undefined && expiry > now) held.set(s.id, now + s.leaseMs);
      }
      return Promise.resolve();
    },

    ready(): Promise<boolean> {
      return Promise.resolve(true);
    },

    close(): Promise<void> {
      levels.clear();
      slotSets.clear();
      return Promise.resolve();
    },
  };
}
