// The single-process store. Same semantics as the Redis store (leaky buckets, leased slots,
// budget counters with leased holds); every operation runs synchronously inside one tick,
// which is what makes it atomic.
// Buckets and slots are bounded by an LRU: an evicted bucket reads as full and an evicted slot
// set as empty, which errs on the side of serving. Entries are few in practice (keys x limits
// + models x limits). Budget counters are never evicted (that would forget spend): they go
// when their period's TTL has passed, like the Redis keys.
import { LRUCache } from "lru-cache";
import {
  bindingRefusal,
  bucketAdjust,
  bucketCheck,
  bucketRemaining,
  bucketResetMs,
  bucketState,
  budgetFits,
  drained,
  type BucketOutcome,
} from "./bucket.ts";
import type {
  BucketAdjustment,
  BucketState,
  BudgetState,
  CheckRequest,
  CheckResult,
  Clock,
  LimitStore,
  PeekRequest,
  PeekResult,
  RateBucket,
  SlotRef,
  SlotRenewal,
  SlotState,
  SpendSettlement,
} from "./types.ts";

interface Budget {
  spent: number;
  /** hold id -> amount and lease expiry */
  readonly holds: Map<string, { amount: number; expiry: number }>;
  /** When the counter is dropped; Infinity for a budget that never resets. */
  expiresAt: number;
}

/** A bucket's level as this store keeps it: updated in place, one object per bucket. */
interface StoredLevel {
  level: number;
  at: number;
}

/** The live slot ids under one key, and a time no lease in it expires before. */
interface SlotSet {
  /** slot id -> lease expiry */
  readonly ids: Map<string, number>;
  /** Until then no id has expired, so a check need not look (renewals only move expiries later). */
  sweepAt: number;
}

/** How often expired budget counters and settlement marks are swept. */
const SWEEP_MS = 60_000;

export interface MemoryStoreOptions {
  clock?: Clock;
  /** Most buckets and slot sets kept (each). */
  maxEntries?: number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): LimitStore {
  const clock = options.clock ?? Date.now;
  const max = options.maxEntries ?? 50_000;
  const levels = new LRUCache<string, StoredLevel>({ max });
  const slotSets = new LRUCache<string, SlotSet>({ max });
  const budgets = new Map<string, Budget>();
  // settlement id -> until when a repeat is ignored
  const settled = new Map<string, number>();
  let sweptAt = Number.NEGATIVE_INFINITY;

  function sweep(now: number): void {
    if (now - sweptAt < SWEEP_MS) return;
    sweptAt = now;
    for (const [key, budget] of budgets) if (budget.expiresAt <= now) budgets.delete(key);
    for (const [id, until] of settled) if (until <= now) settled.delete(id);
  }

  /** A bucket's new level: written into its entry (the check's `get` made it the most recent), or a new entry. */
  function store(key: string, level: number, now: number): void {
    const stored = levels.peek(key);
    if (stored === undefined) {
      levels.set(key, { level, at: now });
      return;
    }
    stored.level = level;
    stored.at = now;
  }

  function budgetAt(key: string, now: number): Budget {
    sweep(now);
    let budget = budgets.get(key);
    if (budget === undefined || budget.expiresAt <= now) {
      budget = { spent: 0, holds: new Map(), expiresAt: Number.POSITIVE_INFINITY };
      budgets.set(key, budget);
    }
    for (const [id, hold] of budget.holds) if (hold.expiry <= now) budget.holds.delete(id);
    return budget;
  }

  /** As Redis' PEXPIRE after a write: kept `ttlMs` from now (never less than before), or for good. */
  const keepFor = (budget: Budget, now: number, ttlMs: number): void => {
    if (ttlMs <= 0) budget.expiresAt = Number.POSITIVE_INFINITY;
    else if (budget.expiresAt === Number.POSITIVE_INFINITY || budget.expiresAt < now + ttlMs) budget.expiresAt = now + ttlMs;
  };

  function liveSlots(key: string, now: number): SlotSet {
    let slots = slotSets.get(key);
    if (slots === undefined) {
      slots = { ids: new Map(), sweepAt: Number.POSITIVE_INFINITY };
      slotSets.set(key, slots);
    }
    if (slots.sweepAt <= now) {
      let next = Number.POSITIVE_INFINITY;
      for (const [id, expiry] of slots.ids) {
        if (expiry <= now) slots.ids.delete(id);
        else if (expiry < next) next = expiry;
      }
      slots.sweepAt = next;
    }
    return slots;
  }

  return {
    check(request: CheckRequest): CheckResult {
      const now = clock();
      const outcomes: BucketOutcome[] = [];
      let allowed = true;
      for (const b of request.buckets) {
        const outcome = bucketCheck(levels.get(b.key), now, b.limit, b.windowMs, b.cost);
        outcomes.push(outcome);
        allowed &&= outcome.allowed;
      }

      let budgetState: BudgetState | undefined;
      const spend = request.budget;
      const budget = spend === undefined ? undefined : budgetAt(spend.key, now);
      if (spend !== undefined && budget !== undefined) {
        let held = 0;
        for (const hold of budget.holds.values()) held += hold.amount;
        budgetState = { limit: spend.limit, spent: budget.spent, held, acquired: false };
        allowed &&= budgetFits(budget.spent, held, spend.cost, spend.limit);
      }

      let slot: SlotState | undefined;
      const claim = request.slot;
      if (claim !== undefined) {
        const slots = liveSlots(claim.key, now);
        const free = slots.ids.size < claim.max;
        if (free && allowed) {
          const expiry = now + claim.leaseMs;
          slots.ids.set(claim.id, expiry);
          if (expiry < slots.sweepAt) slots.sweepAt = expiry;
        }
        slot = { max: claim.max, inUse: slots.ids.size, acquired: free && allowed };
        allowed &&= free;
      }

      const buckets: BucketState[] = [];
      for (let i = 0; i < outcomes.length; i += 1) {
        const b = request.buckets[i] as RateBucket;
        const o = outcomes[i] as BucketOutcome;
        if (allowed && b.cost !== 0) store(b.key, o.newLevel, now);
        const level = allowed ? o.levelAfter : o.levelBefore;
        buckets.push({ kind: b.kind, limit: b.limit, remaining: bucketRemaining(b.limit, level), resetMs: bucketResetMs(b.limit, b.windowMs, level), retryAfterMs: o.retryAfterMs });
      }
      if (allowed && spend !== undefined && budget !== undefined && budgetState !== undefined && spend.cost > 0) {
        budget.holds.set(spend.id, { amount: spend.cost, expiry: now + spend.leaseMs });
        keepFor(budget, now, spend.ttlMs);
        budgetState = { ...budgetState, acquired: true };
      }
      return {
        allowed,
        buckets,
        slot,
        budget: budgetState,
        refused: allowed ? undefined : bindingRefusal(buckets, slot, budgetState && spend && { state: budgetState, cost: spend.cost }),
      };
    },

    adjust(adjustments: readonly BucketAdjustment[]): void {
      const now = clock();
      for (const a of adjustments) {
        const level = bucketAdjust(levels.get(a.key), now, a.limit, a.windowMs, a.delta);
        if (level === undefined) levels.delete(a.key);
        else store(a.key, level, now);
      }
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
        for (const expiry of slotSets.peek(key)?.ids.values() ?? []) if (expiry > now) live += 1;
        return live;
      });
      return Promise.resolve({ buckets, slotsInUse });
    },

    release(slot: SlotRef): void {
      slotSets.get(slot.key)?.ids.delete(slot.id);
    },

    renew(slots: readonly SlotRenewal[], holds: readonly SlotRenewal[] = []): Promise<void> {
      const now = clock();
      for (const s of slots) {
        const set = slotSets.get(s.key);
        const expiry = set?.ids.get(s.id);
        if (set !== undefined && expiry !== undefined && expiry > now) {
          set.ids.set(s.id, now + s.leaseMs);
          if (now + s.leaseMs < set.sweepAt) set.sweepAt = now + s.leaseMs;
        }
      }
      for (const h of holds) {
        const hold = budgets.get(h.key)?.holds.get(h.id);
        if (hold !== undefined && hold.expiry > now) hold.expiry = now + h.leaseMs;
      }
      return Promise.resolve();
    },

    settle(settlements: readonly SpendSettlement[]): Promise<void> {
      const now = clock();
      for (const s of settlements) {
        const budget = budgetAt(s.key, now);
        budget.holds.delete(s.id);
        if (s.cost <= 0) continue;
        const mark = `${s.key}\u0000${s.id}`;
        if ((settled.get(mark) ?? 0) > now) continue;
        settled.set(mark, now + s.dedupeMs);
        budget.spent += s.cost;
        keepFor(budget, now, s.ttlMs);
      }
      return Promise.resolve();
    },

    ready(): Promise<boolean> {
      return Promise.resolve(true);
    },

    close(): Promise<void> {
      levels.clear();
      slotSets.clear();
      budgets.clear();
      settled.clear();
      return Promise.resolve();
    },
  };
}
