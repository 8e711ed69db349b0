// GCRA (generic cell rate algorithm), the arithmetic both stores share. The Redis scripts in
// redis-scripts.ts repeat it line for line in Lua; keep the two in step.
//
// Why GCRA: a bucket is ONE number, the "theoretical arrival time" (TAT): the instant at which
// the bucket would be full again if nothing else arrived. With `interval = windowMs / limit`,
// a request of cost c moves TAT to max(TAT, now) + c * interval, and is allowed while the new
// TAT stays within one window of now. That is a token bucket of capacity `limit` refilled
// continuously at `limit` per window, which is what OpenAI's own headers describe: remaining
// units, and the time until the limit "resets to its initial state" (TAT - now). It is exact
// (no sub-bucket rounding), O(1) in time and memory, gives an exact retry-after, and a refused
// request simply does not write. Token corrections move TAT by delta * interval; a refund
// never moves it before `now` (a bucket holds at most `limit`), an overrun may push it past
// now + window, leaving the bucket in debt until time pays it back.
//
// Trade-off, documented for operators: a full bucket admits `limit` at once and then
// `limit` per window, so any 60 s span may see up to 2 x limit after a long idle period; a
// sliding window would cap that span at exactly `limit` at the price of per-bucket history.
import type { BucketState, Refusal, SlotState } from "./types.ts";

/** Retry hint for a full concurrency limit: slots free up when requests end, not on a schedule. */
export const CONCURRENCY_RETRY_MS = 1_000;

export interface GcraOutcome {
  readonly allowed: boolean;
  /** The TAT to store if the whole check is allowed. */
  readonly newTat: number;
  /** How long until this bucket alone would let the request through; 0 when it would now. */
  readonly retryAfterMs: number;
  /** Backlog (TAT - now) before and after this request's cost. */
  readonly usedBeforeMs: number;
  readonly usedAfterMs: number;
}

export function gcraCheck(
  storedTat: number | undefined,
  now: number,
  limit: number,
  windowMs: number,
  cost: number,
): GcraOutcome {
  const interval = windowMs / limit;
  const tat = storedTat === undefined || storedTat < now ? now : storedTat;
  const newTat = tat + cost * interval;
  const wait = newTat - windowMs - now;
  return {
    allowed: wait <= 0,
    newTat,
    retryAfterMs: wait > 0 ? Math.ceil(wait) : 0,
    usedBeforeMs: tat - now,
    usedAfterMs: newTat - now,
  };
}

/** Remaining units and reset time for a bucket whose backlog is `usedMs`. */
export function gcraState(
  limit: number,
  windowMs: number,
  usedMs: number,
): { remaining: number; resetMs: number } {
  const interval = windowMs / limit;
  // The epsilon absorbs float error at exact boundaries; the Lua scripts use the same.
  const units = Math.floor((windowMs - usedMs) / interval + 1e-9);
  return { remaining: Math.min(limit, Math.max(0, units)), resetMs: Math.ceil(usedMs) };
}

/** The TAT after a correction, or undefined when the bucket ends up full (nothing to keep). */
export function gcraAdjust(
  storedTat: number | undefined,
  now: number,
  limit: number,
  windowMs: number,
  delta: number,
): number | undefined {
  const interval = windowMs / limit;
  const tat = storedTat === undefined || storedTat < now ? now : storedTat;
  const newTat = tat + delta * interval;
  return newTat <= now ? undefined : newTat;
}

/**
 * The refusal a client should act on: the limit it must wait longest for (retrying after a
 * shorter one would only be refused again). Ties go to the earlier bucket, then concurrency.
 */
export function bindingRefusal(buckets: readonly BucketState[], slot: SlotState | undefined): Refusal | undefined {
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
