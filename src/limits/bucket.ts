// The bucket arithmetic both stores share. The Redis scripts in redis-scripts.ts repeat it
// expression for expression in Lua (IEEE doubles on both sides give identical results); keep
// the two in step.
//
// Each limit is a leaky bucket (the meter form of GCRA): it holds `level` units used, drains
// continuously at `limit` units per window, and a request of cost c is allowed while
// level + c stays within `limit`. State is two numbers, the level and when it was measured,
// so a check is O(1) in time and memory; the retry-after is exact (how long until enough has
// drained); a refused request simply writes nothing. This is what OpenAI's own headers
// describe: remaining units, and the time until the limit "resets to its initial state"
// (level x window / limit). Token corrections move the level by the difference; a refund
// never takes it below zero, an overrun may take it above `limit`, leaving the bucket in debt
// until it drains.
//
// The level is kept in units rather than GCRA's single "theoretical arrival time", because a
// time-based state silently rescales past usage when a reload changes the limit.
//
// Trade-off, documented for operators: a full bucket admits `limit` at once and then `limit`
// per window, so any 60 s span may see up to 2 x limit after a long idle period; a sliding
// window would cap that span at exactly `limit` at the price of per-bucket history.
import type { BucketState, BudgetState, Refusal, SlotState } from "./types.ts";

/** Retry hint for a full concurrency limit: slots free up when requests end, not on a schedule. */
export const CONCURRENCY_RETRY_MS = 1_000;

/** A bucket's stored state: `level` units in use as of `at` (ms). */
export interface Level {
  readonly level: number;
  readonly at: number;
}

export interface BucketOutcome {
  readonly allowed: boolean;
  /** The level to store if the whole check is allowed. */
  readonly newLevel: number;
  /** How long until this bucket alone would let the request through; 0 when it would now. */
  readonly retryAfterMs: number;
  /** The level now, before and after this request's cost. */
  readonly levelBefore: number;
  readonly levelAfter: number;
}

/** The level left at `now` once the stored level has drained. */
export function drained(stored: Level | undefined, now: number, limit: number, windowMs: number): number {
  if (stored === undefined) return 0;
  const level = stored.level - ((now - stored.at) * limit) / windowMs;
  return level > 0 ? level : 0;
}

export function bucketCheck(
  stored: Level | undefined,
  now: number,
  limit: number,
  windowMs: number,
  cost: number,
): BucketOutcome {
  const level = drained(stored, now, limit, windowMs);
  const newLevel = level + cost;
  const over = newLevel - limit;
  return {
    allowed: over <= 0,
    newLevel,
    retryAfterMs: over > 0 ? Math.ceil((over * windowMs) / limit) : 0,
    levelBefore: level,
    levelAfter: newLevel,
  };
}

/** The level after a correction, or undefined when the bucket ends up empty (nothing to keep). */
export function bucketAdjust(
  stored: Level | undefined,
  now: number,
  limit: number,
  windowMs: number,
  delta: number,
): number | undefined {
  const level = drained(stored, now, limit, windowMs) + delta;
  return level > 0 ? level : undefined;
}

/** Remaining units and the time until empty, for a bucket at `level`. */
export function bucketState(limit: number, windowMs: number, level: number): { remaining: number; resetMs: number } {
  return { remaining: bucketRemaining(limit, level), resetMs: bucketResetMs(limit, windowMs, level) };
}

/** Whole units left in a bucket at `level`. */
export function bucketRemaining(limit: number, level: number): number {
  // The epsilon absorbs float error at exact boundaries; the Lua scripts use the same.
  const units = Math.floor(limit - level + 1e-9);
  return Math.min(limit, Math.max(0, units));
}

/** Until a bucket at `level` is empty. */
export function bucketResetMs(limit: number, windowMs: number, level: number): number {
  return Math.ceil((level * windowMs) / limit);
}

/** Whether a hold of `cost` fits the budget; a read (cost 0) always does. The Lua check repeats it. */
export function budgetFits(spent: number, held: number, cost: number, limit: number): boolean {
  return cost === 0 || spent + held + cost <= limit;
}

/**
 * The refusal a client should act on: the limit it must wait longest for (retrying after a
 * shorter one would only be refused again). Ties go to the earlier bucket, then concurrency.
 * A spent budget outranks them all: no rate limit's wait lets the request through before the
 * period ends (the limiter knows when that is; the store does not).
 */
export function bindingRefusal(
  buckets: readonly BucketState[],
  slot: SlotState | undefined,
  budget?: { readonly state: BudgetState; readonly cost: number },
): Refusal | undefined {
  if (budget !== undefined && !budgetFits(budget.state.spent, budget.state.held, budget.cost, budget.state.limit)) {
    return { kind: "budget", retryAfterMs: 0 };
  }
  let refusal: Refusal | undefined;
  for (const bucket of buckets) {
    if (bucket.retryAfterMs > 0 && (refusal === undefined || bucket.retryAfterMs > refusal.retryAfterMs)) {
      refusal = { kind: bucket.kind, retryAfterMs: bucket.retryAfterMs };
    }
  }
  if (slot !== undefined && !slot.acquired && slot.inUse >= slot.max) {
    if (refusal === undefined || CONCURRENCY_RETRY_MS > refusal.retryAfterMs) {
      refusal = { kind: "concurrency", retryAfterMs: CONCURRENCY_RETRY_MS };
    }
  }
  return refusal;
}
