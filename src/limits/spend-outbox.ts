// Settlements the store could not take (Redis down or timing out) wait here and are sent again
// until it takes them, so an outage never forgets spend that was served. The store applies each
// settlement id once, so sending one again after a lost reply never counts it twice.
import type { LimitStore, SpendSettlement } from "./types.ts";

export interface SpendOutbox {
  /** Sends the settlement; if the store fails, keeps it and retries. Never rejects. */
  send(settlement: SpendSettlement): Promise<void>;
  readonly pending: number;
  /** One last attempt at what is still pending (shutdown). */
  flush(): Promise<void>;
  close(): void;
}

export interface SpendOutboxOptions {
  readonly retryMs: number;
  /** Most settlements kept; past it the oldest are dropped (and reported). */
  readonly maxPending: number;
  readonly onError: (error: unknown) => void;
}

export function createSpendOutbox(store: LimitStore, options: SpendOutboxOptions): SpendOutbox {
  const pending = new Map<string, SpendSettlement>();
  let timer: NodeJS.Timeout | undefined;
  let sending = false;

  function keep(settlement: SpendSettlement): void {
    if (pending.size >= options.maxPending) {
      const oldest = pending.keys().next().value;
      if (oldest !== undefined) pending.delete(oldest);
      options.onError(new Error(`spend outbox full (${options.maxPending}): a settlement was dropped`));
    }
    pending.set(settlement.id, settlement);
    timer ??= setInterval(() => void retry(), options.retryMs).unref();
  }

  async function retry(): Promise<void> {
    if (sending || pending.size === 0) return;
    sending = true;
    const batch = [...pending.values()];
    try {
      await store.settle(batch);
      for (const s of batch) pending.delete(s.id);
      if (pending.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    } catch (error) {
      options.onError(error);
    } finally {
      sending = false;
    }
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
    flush: retry,
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
