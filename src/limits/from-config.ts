// Builds the limiter a config asks for: the store (memory, or Redis shared by replicas) and the
// per-key / per-model limit sets, once at load. A reload builds a new limiter and closes the old.
import type { RawConfig } from "../config/schema.ts";
import { buildLimitSets } from "./limit-sets.ts";
import { createLimiter, type Limiter, type LimiterOptions } from "./limiter.ts";
import { createMemoryStore } from "./memory-store.ts";
import { createRedisStore } from "./redis-store.ts";
import type { Clock, LimitStore } from "./types.ts";

export interface LimiterDeps {
  readonly logger?: LimiterOptions["logger"];
  readonly hooks?: LimiterOptions["hooks"];
  readonly clock?: Clock;
  readonly slotLeaseMs?: number;
  readonly storeErrorLogIntervalMs?: number;
}

type LimitsConfig = Pick<RawConfig, "keys" | "models" | "limits">;

export function limiterFromConfig(
  config: LimitsConfig,
  deps: LimiterDeps = {},
): Limiter {
  // Connection errors arrive asynchronously, after `limiter` below is initialised.
  const store = storeFromConfig(config.limits, deps.clock, (error) => limiter.reportConnectionError(error));
  const limiter = createLimiter(buildLimitSets(config), {
    store,
    onStoreError: config.limits.on_store_error,
    defaultMaxTokens: config.limits.default_max_tokens,
    logger: deps.logger,
    ...(deps.hooks === undefined ? {} : { hooks: deps.hooks }),
    ...(deps.slotLeaseMs === undefined ? {} : { slotLeaseMs: deps.slotLeaseMs }),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    ...(deps.storeErrorLogIntervalMs === undefined ? {} : { storeErrorLogIntervalMs: deps.storeErrorLogIntervalMs }),
  });
  return limiter;
}

function storeFromConfig(
  limits: RawConfig["limits"],
  clock: Clock | undefined,
  onConnectionError: (error: Error) => void,
): LimitStore {
  const withClock = clock === undefined ? {} : { clock };
  if (limits.store === "memory") return createMemoryStore(withClock);
  if (limits.redis_url === undefined) throw new Error("limits.redis_url is required with store: redis");
  return createRedisStore({ url: limits.redis_url, onConnectionError, ...withClock });
}

/**
 * On a reload: the previous limiter with the new config's limits when it can keep its store
 * (same store type and URL), so counters and held slots survive; undefined when a new store
 * is needed.
 */
export function carryLimiter(
  previous: { readonly limiter: Limiter; readonly limits: RawConfig["limits"] } | undefined,
  config: LimitsConfig,
): Limiter | undefined {
  if (previous === undefined) return undefined;
  if (previous.limits.store !== config.limits.store || previous.limits.redis_url !== config.limits.redis_url) return undefined;
  previous.limiter.reconfigure(buildLimitSets(config), {
    onStoreError: config.limits.on_store_error,
    defaultMaxTokens: config.limits.default_max_tokens,
  });
  return previous.limiter;
}
