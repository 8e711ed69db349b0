// Rate-limit events as metrics: the limiter reports refusals and store failures through hooks
// (src/limits never sees prom-client); these turn them into counter increments.
import type { GatewayMetrics } from "./metrics.ts";
import { OPEN_KEY } from "./request-facts.ts";

export interface LimitRefusal {
  readonly keyName: string | undefined;
  /** requests, tokens, concurrency, model_requests, model_tokens; or store (refused because the store failed). */
  readonly limit: string;
}

export interface LimitStoreFailure {
  /** check, adjust, release, renew; or connection (the client's reconnect noise). */
  readonly operation: string;
}

export interface LimitMetricHooks {
  onRefused(event: LimitRefusal): void;
  onStoreError(event: LimitStoreFailure): void;
}

/** `store` names the configured store (memory or redis) at the time of the event. */
export function limitMetricHooks(metrics: GatewayMetrics, store: () => string): LimitMetricHooks {
  return {
    onRefused(event) {
      // A refusal because the store is down is counted as a store error, not as a limit reached.
      if (event.limit !== "store") metrics.rateLimited(event.limit, event.keyName ?? OPEN_KEY);
    },
    onStoreError(event) {
      // Failed operations only: a dead Redis makes every request's check fail, which is the signal;
      // its reconnect attempts would add noise unrelated to traffic.
      if (event.operation !== "connection") metrics.storeError(store());
    },
  };
}
