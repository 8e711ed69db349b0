// What this process last knew of each budget counter, so a response served while the store
// cannot answer (on_store_error: open, or a refusal before admission) still tells a budgeted
// key where it stands. The estimate is the remaining this process last read from the store,
// less every charge it made after that read: the charges it could not send yet wait in the
// outbox, so the store's last answer cannot include them. Other replicas' spend since the read
// is unknown here, so the value carries the time of that read.
import { LRUCache } from "lru-cache";
import type { BudgetState } from "./types.ts";

/** A budgeted key's standing, for `x-llm-budget-remaining-usd`. */
export interface BudgetStanding {
  /** What remained: limit - settled spend - holds of requests in flight (the asking request's excluded). */
  readonly remainingMicros: number;
  /** Set when the store could not be read for this answer: when the value was last read (epoch ms). */
  readonly asOf?: number | undefined;
}

export interface BudgetStandings {
  /** Records what the store just answered for a counter (its settled spend and others' holds). */
  read(counterKey: string, state: BudgetState, at: number): void;
  /** A charge this process made against the counter (sent, or waiting in the outbox). */
  charged(counterKey: string, cost: number): void;
  /** The estimate for `limit`; undefined when this process never read this counter. */
  lastKnown(counterKey: string, limit: number): BudgetStanding | undefined;
}

/** Counters remembered: keys x periods in use, far fewer in practice. */
const MAX_COUNTERS = 10_000;

export function createBudgetStandings(): BudgetStandings {
  // counter key -> micro-USD used (spent + held) as last read, plus charges since, and when read
  const known = new LRUCache<string, { used: number; at: number }>({ max: MAX_COUNTERS });
  return {
    read(counterKey, state, at) {
      known.set(counterKey, { used: state.spent + state.held, at });
    },
    charged(counterKey, cost) {
      const entry = known.get(counterKey);
      if (entry !== undefined) entry.used += cost;
    },
    lastKnown(counterKey, limit) {
      const entry = known.get(counterKey);
      return entry === undefined ? undefined : { remainingMicros: limit - entry.used, asOf: entry.at };
    },
  };
}
