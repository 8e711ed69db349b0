// The contract between the limiter and its stores (memory, Redis). A store knows nothing of
// keys, models or HTTP: it evaluates rate buckets, concurrency slots and spend budgets it is
// handed, and both stores must give identical answers for identical inputs (the contract test
// suite checks it).

/** Which limit refused a request. */
export type LimitKind = "requests" | "tokens" | "concurrency" | "model_requests" | "model_tokens" | "budget";
export type RateKind = Exclude<LimitKind, "concurrency" | "budget">;

/** Milliseconds since the epoch. Injected so tests can drive time; Redis receives it per call. */
export type Clock = () => number;

/**
 * One leaky bucket (see bucket.ts): `limit` units per `windowMs`, drained continuously,
 * bursting up to `limit`. `cost` is what this request takes (1 for requests, the token reservation for
 * tokens; 0 reads the state without consuming anything).
 */
export interface RateBucket {
  readonly kind: RateKind;
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly cost: number;
}

/** A concurrency slot: at most `max` live ids under `key`; each id expires unless renewed. */
export interface SlotClaim {
  readonly key: string;
  readonly id: string;
  readonly max: number;
  readonly leaseMs: number;
}

export interface SlotRef {
  readonly key: string;
  readonly id: string;
}

/**
 * A spend budget for one period: `limit` micro-USD, of which settled spend and live holds are
 * counted. The request holds `cost` (its worst case) under `id` until it settles, or until its
 * lease runs out unrenewed (its replica died). Cost 0 reads the budget and is never refused.
 */
export interface BudgetClaim {
  /** One counter per key and period start, so a new period needs no reset. */
  readonly key: string;
  readonly id: string;
  readonly limit: number;
  readonly cost: number;
  readonly leaseMs: number;
  /** How long the counter outlives its last write (past the period's end); 0 keeps it for good. */
  readonly ttlMs: number;
}

export interface CheckRequest {
  readonly buckets: readonly RateBucket[];
  readonly slot?: SlotClaim | undefined;
  readonly budget?: BudgetClaim | undefined;
}

/** A bucket's state after the check (after consumption when allowed, untouched when refused). */
export interface BucketState {
  readonly kind: RateKind;
  readonly limit: number;
  readonly remaining: number;
  /** Until the bucket is full again ("resets to its initial state", as OpenAI words it). */
  readonly resetMs: number;
  /** How long until this bucket alone would let the request through; 0 when it would now. */
  readonly retryAfterMs: number;
}

export interface SlotState {
  readonly max: number;
  /** Live slots after the check, this request's included when it got one. */
  readonly inUse: number;
  readonly acquired: boolean;
}

export interface BudgetState {
  readonly limit: number;
  /** Settled spend in the period. */
  readonly spent: number;
  /** Live holds of requests in flight, this request's excluded. */
  readonly held: number;
  /** Whether this request's hold was taken (false when refused, or when its cost was 0). */
  readonly acquired: boolean;
}

export interface Refusal {
  readonly kind: LimitKind;
  readonly retryAfterMs: number;
}

export interface CheckResult {
  readonly allowed: boolean;
  /** In the order of the request's buckets. */
  readonly buckets: readonly BucketState[];
  readonly slot: SlotState | undefined;
  readonly budget: BudgetState | undefined;
  /** The binding refusal when not allowed. */
  readonly refused: Refusal | undefined;
}

/** Corrects a token bucket by `delta` units (negative gives tokens back). */
export interface BucketAdjustment {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly delta: number;
}

export interface SlotRenewal extends SlotRef {
  readonly leaseMs: number;
}

/** A bucket to read: where it is stored and the rate it drains at. */
export type BucketRef = Omit<RateBucket, "cost">;

/** What to read without changing anything: rate buckets and concurrency slot sets. */
export interface PeekRequest {
  readonly buckets: readonly BucketRef[];
  readonly slotKeys: readonly string[];
}

export interface PeekResult {
  /** In the order of the request's buckets. */
  readonly buckets: readonly Omit<BucketState, "retryAfterMs">[];
  /** Live slots per slot key, in the request's order. */
  readonly slotsInUse: readonly number[];
}

/**
 * Ends a budget hold with the real cost. Applying the same id twice counts once (a settlement
 * retried after a lost reply, or after a reconnect), for as long as `dedupeMs`; a settlement
 * whose hold already lapsed still counts its cost.
 */
export interface SpendSettlement {
  readonly key: string;
  readonly id: string;
  readonly cost: number;
  readonly ttlMs: number;
  readonly dedupeMs: number;
}

/**
 * Every operation is atomic. A check that refuses consumes nothing. Operations reject (or, in
 * process, throw) when the store cannot answer (Redis down, timed out); the limiter decides what
 * that means. The per-request ones (check, adjust, release) answer in the same tick when the
 * store is in process, a promise only when something must be waited for, so the limiter adds no
 * microtask hops or promise objects to a request on the memory store.
 */
export interface LimitStore {
  check(request: CheckRequest): CheckResult | Promise<CheckResult>;
  adjust(adjustments: readonly BucketAdjustment[]): void | Promise<void>;
  release(slot: SlotRef): void | Promise<void>;
  /** Reads bucket levels and live slots; writes nothing, refreshes no TTL, admits nothing. */
  peek(request: PeekRequest): Promise<PeekResult>;
  /** Extends the leases of slots and budget holds still live; ids that already expired are not revived. */
  renew(slots: readonly SlotRenewal[], holds?: readonly SlotRenewal[]): Promise<void>;
  settle(settlements: readonly SpendSettlement[]): Promise<void>;
  /** Resolves true once the store can answer, false if it still cannot after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
