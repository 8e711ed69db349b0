// What the limiter promises its callers: the admission request and its answers, the operator
// views (usage, standing, spend) and the options it is built with. The behaviour is in limiter.ts.
import type { RateLimitHeaders } from "./headers.ts";
import type { BudgetLimit, LimitSets } from "./limit-sets.ts";
import type { BudgetStanding } from "./budget-standings.ts";
import type { Price } from "./spend.ts";
import type { LimitLogger, StoreErrorEvent } from "./store-errors.ts";
import type { Clock, LimitKind, LimitStore } from "./types.ts";
import type { Usage } from "../providers/types.ts";

export interface AdmitRequest {
  /** The authenticated key's name; undefined when the gateway runs without keys. */
  readonly keyName: string | undefined;
  readonly publicModel: string;
  /** From tokens.ts; only needed when `needsTokenEstimate` says so (0 otherwise). */
  readonly estimatedPromptTokens: number;
  /**
   * Set when estimatedPromptTokens is only a cheap upper bound of the estimate: computes the
   * estimate. The limiter calls it whenever the bound could change an outcome (a token limit
   * not far above the reservation, a budget, a refusal, a charge without usage), so a bound
   * only ever over-reserves tokens for a while, corrected at settlement like any reservation.
   */
  readonly countPromptTokens?: (() => number | Promise<number>) | undefined;
  /** The client's max_tokens / max_completion_tokens; the configured default when unset. */
  readonly maxTokens: number | undefined;
  /** The public model's price: what a budgeted key's request is reserved and charged at. */
  readonly price?: Price | undefined;
  /** The answer costs nothing (a cache hit): the budget is read, never held or refused. */
  readonly free?: boolean | undefined;
}


export interface Admitted {
  readonly ok: true;
  /** x-ratelimit-* headers; empty when no rate limit applies or the store could not answer. */
  readonly headers: RateLimitHeaders;
  /**
   * What remained before this request's own hold; undefined without a budget. When the store
   * could not answer, the last known standing (with `asOf`), undefined if there is none.
   */
  readonly budget: BudgetStanding | undefined;
  /**
   * Charges the real usage instead of the reservation and frees the concurrency slot. Call it
   * once the request is over, on every path; later calls do nothing. Without usage (failure
   * before any output, or a provider that reports none) the prompt estimate is charged and
   * the completion reservation given back, and the budget hold is released (nothing is
   * charged). A budget settlement the store cannot take now is kept and sent again. Never rejects.
   */
  settle(usage?: Pick<Usage, "prompt_tokens" | "completion_tokens">): Promise<void>;
}

export interface Refused {
  readonly ok: false;
  /** 429 for a limit, 503 when the store is down and on_store_error is closed. */
  readonly status: 429 | 503;
  readonly limit: LimitKind | "store";
  /** Undefined when waiting never helps (a `total` budget is spent). */
  readonly retryAfterSeconds: number | undefined;
  readonly message: string;
  readonly headers: RateLimitHeaders;
  readonly budget: BudgetStanding | undefined;
  /** False when waiting cannot help (the request alone exceeds a token limit, the budget is spent). */
  readonly retryable: boolean;
}

export type Admission = Admitted | Refused;

/** A key's standing against its limits right now, for operators; absent parts have no limit. */
export interface KeyUsage {
  readonly requests?: { readonly used: number; readonly limit: number };
  readonly tokens?: { readonly used: number; readonly limit: number };
  readonly concurrency?: { readonly inUse: number; readonly max: number };
}

export interface RefusedEvent {
  readonly keyName: string | undefined;
  readonly publicModel: string;
  readonly limit: LimitKind | "store";
  readonly status: 429 | 503;
}

export interface LimiterOptions {
  readonly store: LimitStore;
  readonly onStoreError: "open" | "closed";
  /** Completion tokens reserved when the client sets no max_tokens (limits.default_max_tokens). */
  readonly defaultMaxTokens: number;
  /** Concurrency slot and budget hold lease; renewed while the request runs (see slot-leases.ts). */
  readonly slotLeaseMs?: number;
  /** Decides budget periods; the stores have their own (the same one in tests). */
  readonly clock?: Clock;
  /** Pause between attempts to send settlements the store could not take. */
  readonly settleRetryMs?: number;
  readonly storeErrorLogIntervalMs?: number;
  readonly logger?: LimitLogger | undefined;
  /** Telemetry hooks: called synchronously, must not throw. */
  readonly hooks?: {
    readonly onRefused?: (event: RefusedEvent) => void;
    readonly onStoreError?: (event: StoreErrorEvent) => void;
  };
}

/** What a config reload may change without touching the store. */
export interface LimiterSettings {
  readonly onStoreError: "open" | "closed";
  readonly defaultMaxTokens: number;
}

/** A key's limits and what remains of them now, for the key's own view (GET /v1/key). */
export interface KeyStanding {
  readonly rpm: { readonly limit: number; readonly remaining: number } | undefined;
  readonly tpm: { readonly limit: number; readonly remaining: number } | undefined;
  readonly maxConcurrent: { readonly limit: number; readonly inUse: number; readonly remaining: number } | undefined;
  readonly budget:
    | {
        readonly usd: number;
        readonly period: BudgetLimit["period"];
        readonly spentUsd: number;
        /** Held by requests in flight (their worst case), until they settle. */
        readonly heldUsd: number;
        readonly remainingUsd: number;
        readonly periodStart: number;
        readonly resetsAt: number | undefined;
      }
    | undefined;
}

export interface BudgetSpend {
  readonly key: string;
  readonly spentUsd: number;
  readonly limitUsd: number;
}

export interface Limiter {
  /** Whether a token limit or a budget applies, i.e. whether admit needs a prompt token estimate. */
  needsTokenEstimate(keyName: string | undefined, publicModel: string): boolean;
  /** Answered in the same tick when the store answers so (the memory store): a promise only when something must be waited for. */
  admit(request: AdmitRequest): Admission | Promise<Admission>;
  /** The key's limits and what remains now; rejects when the store cannot answer. */
  standing(keyName: string): Promise<KeyStanding>;
  /**
   * The key's budget standing now, for a response that did not go through admission; undefined
   * (at once) when the key has no budget. When the store cannot answer, the last known standing
   * (with `asOf`), or undefined if this process never read it. Never rejects.
   */
  budgetStanding(keyName: string): Promise<BudgetStanding | undefined> | undefined;
  /** Settled spend of every budgeted key in its current period (keys the store could not answer for are left out). */
  budgetSpend(): Promise<BudgetSpend[]>;
  /** Settlements waiting for the store to come back, and what they charge in micro-USD. */
  readonly pendingSettlements: number;
  readonly pendingMicros: number;
  /**
   * Reads a key's rate buckets and slots from the store without admitting anything; undefined
   * when the key has no limits. Rejects when the store cannot answer.
   */
  usage(keyName: string): Promise<KeyUsage | undefined>;
  /** Failed store operations since start, for telemetry. */
  readonly storeErrors: number;
  /** Concurrency slots this process holds right now. */
  readonly slotsHeld: number;
  /** Feeds connection-level store errors (the Redis socket's) into the same throttled log. */
  reportConnectionError(error: unknown): void;
  /**
   * Applies a reloaded config's limits to new admissions, keeping the store and its counters.
   * Requests admitted before settle against what they were admitted with.
   */
  reconfigure(sets: LimitSets, settings: LimiterSettings): void;
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

