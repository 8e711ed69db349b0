// The contract between the limiter and its stores (memory, Redis). A store knows nothing of
// keys, models or HTTP: it evaluates rate buckets and concurrency slots it is handed, and both
// stores must give identical answers for identical inputs (the contract test suite checks it).

/** Which limit refused a request. */
export type LimitKind = "requests" | "tokens" | "concurrency" | "model_requests" | "model_tokens";
export type RateKind = Exclude<LimitKind, "concurrency">;

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

export interface CheckRequest {
  readonly buckets: readonly RateBucket[];
  readonly slot?: SlotClaim | undefined;
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

export interface Refusal {
  readonly kind: LimitKind;
  readonly retryAfterMs: number;
}

export interface CheckResult {
  readonly allowed: boolean;
  /** In the order of the request's buckets. */
  readonly buckets: readonly BucketState[];
  readonly slot: SlotState | undefined;
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
 * Every operation is atomic. A check that refuses consumes nothing. Operations reject when the
 * store cannot answer (Redis down, timed out); the limiter decides what that means.
 */
export interface LimitStore {
  check(request: CheckRequest): Promise<CheckResult>;
  adjust(adjustments: readonly BucketAdjustment[]): Promise<void>;
  release(slot: SlotRef): Promise<void>;
  /** Reads bucket levels and live slots; writes nothing, refreshes no TTL, admits nothing. */
  peek(request: PeekRequest): Promise<PeekResult>;
  /** Extends the leases of slots still held; ids that already expired are not revived. */
  renew(slots: readonly SlotRenewal[]): Promise<void>;
  /** Resolves true once the store can answer, false if it still cannot after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
