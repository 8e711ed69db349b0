// Settlements the store could not take (Redis down or timing out) wait here and are sent again
// until it takes them, so an outage never forgets spend that was served. The store applies each
// settlement id once, so sending one again after a lost reply never counts it twice.
//
// The outbox lives in this process: if the process dies during an outage, what it holds is
// lost. That loss is bounded and visible: at most `maxPending` settlements are kept (past it
// the oldest are dropped and logged), what is pending is readable for metrics, the first
// settlement kept and the replay are logged, and closing waits a while for the store to take
// what is left, logging what it could not.
import type { LimitLogger } from "./store-errors.ts";
import { toUsd } from "./spend.ts";
import type { LimitStore, SpendSettlement } from "./types.ts";

export interface SpendOutbox {
  /** Sends the settlement; if the store fails, keeps it and retries. Never rejects. */
  send(settlement: SpendSettlement): Promise<void>;
  /** Settlements waiting for the store. */
  readonly pending: number;
  /** What they charge, in micro-USD. */
  readonly pendingMicros: number;
  /** Sends what is pending until the store takes all of it or `timeoutMs` passed (shutdown); logs what is left. */
  drain(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface SpendOutboxOptions {
  readonly retryMs: number;
  /** Most settlements kept; past it the oldest are dropped (and logged). */
  readonly maxPending: number;
  readonly onError: (error: unknown) => void;
  readonly logger?: LimitLogger | undefined;
  /** Settlements per store call when replaying: one script call stays short for Redis. */
  readonly batchSize?: number;
  readonly now?: () => number;
}

/** At most one "dropped" line per interval; the line says how many were dropped since the last. */
const DROP_LOG_INTERVAL_MS = 10_000;
/** Counters named in the log line of what closing could not send. */
const NAMED_COUNTERS = 20;

export function createSpendOutbox(store: LimitStore, options: SpendOutboxOptions): SpendOutbox {
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 500;
  const log = options.logger;
  const pending = new Map<string, SpendSettlement>();
  let pendingMicros = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending = false;
  let closed = false;
  let replayed = { count: 0, micros: 0 };
  let dropped = { count: 0, micros: 0, loggedAt: Number.NEGATIVE_INFINITY };

  function remove(settlement: SpendSettlement): void {
    if (pending.delete(settlement.id)) pendingMicros -= settlement.cost;
  }

  function drop(settlement: SpendSettlement): void {
    remove(settlement);
    dropped.count += 1;
    dropped.micros += settlement.cost;
    const at = now();
    if (at - dropped.loggedAt < DROP_LOG_INTERVAL_MS) return;
    (log?.error ?? log?.warn)?.call(
      log,
      { dropped_settlements: dropped.count, dropped_usd: toUsd(dropped.micros), max_pending: options.maxPending },
      "spend outbox full while the limits store is unavailable: the oldest settlements were dropped and that spend is not counted",
    );
    dropped = { count: 0, micros: 0, loggedAt: at };
  }

  function keep(settlement: SpendSettlement): void {
    if (pending.has(settlement.id)) return;
    if (pending.size >= options.maxPending) {
      const oldest = pending.values().next().value;
      if (oldest !== undefined) drop(oldest);
    }
    if (pending.size === 0) {
      log?.warn({ settlement_key: settlement.key }, "limits store did not take a budget settlement: keeping it in memory and sending it again until it does");
    }
    pending.set(settlement.id, settlement);
    pendingMicros += settlement.cost;
    // Once closed, nothing retries on its own: the store is gone with the limiter.
    if (!closed) timer ??= setInterval(() => void retry(), options.retryMs).unref();
  }

  async function retry(): Promise<void> {
    if (sending || pending.size === 0) return;
    sending = true;
    try {
      // Oldest first, in bounded batches; a failure leaves the rest for the next attempt.
      const all = [...pending.values()];
      for (let i = 0; i < all.length; i += batchSize) {
        const batch = all.slice(i, i + batchSize);
        await store.settle(batch);
        for (const s of batch) {
          remove(s);
          replayed.count += 1;
          replayed.micros += s.cost;
        }
      }
      if (pending.size === 0) {
        if (timer !== undefined) clearInterval(timer);
        timer = undefined;
        (log?.info ?? log?.warn)?.call(
          log,
          { settlements: replayed.count, usd: toUsd(replayed.micros) },
          "limits store took the budget settlements kept while it was unavailable",
        );
        replayed = { count: 0, micros: 0 };
      }
    } catch (error) {
      options.onError(error);
    } finally {
      sending = false;
    }
  }

  function reportLeft(): void {
    if (pending.size === 0) return;
    const byCounter = new Map<string, number>();
    for (const s of pending.values()) byCounter.set(s.key, (byCounter.get(s.key) ?? 0) + s.cost);
    const counters = Object.fromEntries([...byCounter].slice(0, NAMED_COUNTERS).map(([key, micros]) => [key, toUsd(micros)]));
    (log?.error ?? log?.warn)?.call(
      log,
      { settlements: pending.size, usd: toUsd(pendingMicros), counters, counters_not_named: Math.max(0, byCounter.size - NAMED_COUNTERS) },
      "closing with budget settlements the limits store never took: that spend is not counted",
    );
  }

  return {
    async send(settlement) {
      try {
        await store.settle([settlement]);
      } catch (error) {
        options.onError(error);
        keep(settlement);
      }
    },
    get pending() {
      return pending.size;
    },
    get pendingMicros() {
      return pendingMicros;
    },
    async drain(timeoutMs) {
      const deadline = now() + timeoutMs;
      for (;;) {
        await retry();
        if (pending.size === 0 || now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(options.retryMs, Math.max(0, deadline - now()))));
      }
      reportLeft();
    },
    close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
