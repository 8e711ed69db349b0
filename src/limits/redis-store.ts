// The shared store for several replicas: one Lua script per operation (EVALSHA through
// ioredis' defineCommand, falling back to EVAL after a Redis restart dropped the script
// cache), so a check is one round trip and atomic across replicas.
//
// Failure behaviour matters more than speed here: commands never queue while disconnected
// (enableOfflineQueue off, no per-request retries) and time out quickly, so a dead Redis
// surfaces as a rejected promise within `commandTimeoutMs` and the limiter applies
// `on_store_error`. ioredis keeps reconnecting in the background with a capped backoff.
import type { Redis } from "ioredis";
import { redisClient } from "../redis/client.ts";
import { bindingRefusal } from "./bucket.ts";
import { ADJUST_SCRIPT, CHECK_SCRIPT, PEEK_SCRIPT, RENEW_SCRIPT, SETTLE_SCRIPT } from "./redis-scripts.ts";
import type {
  BucketAdjustment,
  BucketState,
  BudgetState,
  CheckRequest,
  CheckResult,
  Clock,
  LimitStore,
  PeekRequest,
  PeekResult,
  SlotRef,
  SlotRenewal,
  SpendSettlement,
} from "./types.ts";

/** The check reply's fixed head: allowed, slot (in use, acquired), budget (spent, held, acquired). */
const HEAD = 6;

export interface RedisStoreOptions {
  url: string;
  clock?: Clock;
  /** Prepended to every key, so several gateways can share one Redis. */
  keyPrefix?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts. */
  maxReconnectDelayMs?: number;
  /** Connection-level errors (the socket's), as opposed to failed operations. */
  onConnectionError?: (error: Error) => void;
}

type ScriptCall = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

export function createRedisStore(options: RedisStoreOptions): LimitStore {
  const clock = options.clock ?? Date.now;
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const RedisClient = redisClient();
  const redis = new RedisClient(options.url, {
    keyPrefix: options.keyPrefix ?? "llmgw:",
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    connectionName: "llm-gateway-limits",
  });
  redis.on("error", (error: Error) => options.onConnectionError?.(error));

  const check = defineScript(redis, "llmgwCheck", CHECK_SCRIPT);
  const adjust = defineScript(redis, "llmgwAdjust", ADJUST_SCRIPT);
  const renew = defineScript(redis, "llmgwRenew", RENEW_SCRIPT);
  const settle = defineScript(redis, "llmgwSettle", SETTLE_SCRIPT);
  const peek = defineScript(redis, "llmgwPeek", PEEK_SCRIPT);

  function ready(timeoutMs: number): Promise<boolean> {
    if (redis.status === "ready") return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        redis.off("ready", onReady);
        resolve(value);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      redis.once("ready", onReady);
    });
  }
  // Without an offline queue, a command sent before the first connection is up would fail.
  // Operations wait for that first connection (once, bounded); after it, a lost connection
  // fails them at once instead of adding a wait to every request during an outage.
  let firstConnection: Promise<boolean> | undefined = ready(options.connectTimeoutMs ?? 2_000).then((ok) => {
    firstConnection = undefined;
    return ok;
  });
  const connected = async (): Promise<void> => {
    if (firstConnection !== undefined) await firstConnection;
  };

  return {
    async check(request: CheckRequest): Promise<CheckResult> {
      await connected();
      const keys = request.buckets.map((b) => b.key);
      const { slot: claim, budget: spend } = request;
      const args: (string | number)[] = [clock(), request.buckets.length, claim === undefined ? 0 : 1, spend === undefined ? 0 : 1];
      for (const b of request.buckets) args.push(b.limit, b.windowMs, b.cost);
      if (claim !== undefined) {
        keys.push(claim.key);
        args.push(claim.id, claim.max, claim.leaseMs);
      }
      if (spend !== undefined) {
        keys.push(spend.key);
        args.push(spend.id, spend.limit, spend.cost, spend.leaseMs, spend.ttlMs);
      }
      const reply = integers(await check(keys, args), HEAD + request.buckets.length * 3);
      const allowed = reply[0] === 1;
      const buckets: BucketState[] = request.buckets.map((b, i) => ({
        kind: b.kind,
        limit: b.limit,
        remaining: at(reply, HEAD + i * 3),
        resetMs: at(reply, HEAD + 1 + i * 3),
        retryAfterMs: at(reply, HEAD + 2 + i * 3),
      }));
      const slot = claim === undefined ? undefined : { max: claim.max, inUse: at(reply, 1), acquired: reply[2] === 1 };
      const budget: BudgetState | undefined =
        spend === undefined ? undefined : { limit: spend.limit, spent: at(reply, 3), held: at(reply, 4), acquired: reply[5] === 1 };
      const refused = allowed ? undefined : bindingRefusal(buckets, slot, budget && spend && { state: budget, cost: spend.cost });
      return { allowed, buckets, slot, budget, refused };
    },

    async adjust(adjustments: readonly BucketAdjustment[]): Promise<void> {
      if (adjustments.length === 0) return;
      await connected();
      const args: (string | number)[] = [clock()];
      for (const a of adjustments) args.push(a.limit, a.windowMs, a.delta);
      await adjust(
        adjustments.map((a) => a.key),
        args,
      );
    },

    async peek(request: PeekRequest): Promise<PeekResult> {
      await connected();
      const n = request.buckets.length;
      const args: (string | number)[] = [clock(), n];
      for (const b of request.buckets) args.push(b.limit, b.windowMs);
      const keys = [...request.buckets.map((b) => b.key), ...request.slotKeys];
      const reply = integers(await peek(keys, args), n * 2 + request.slotKeys.length);
      return {
        buckets: request.buckets.map((b, i) => ({ kind: b.kind, limit: b.limit, remaining: at(reply, i * 2), resetMs: at(reply, i * 2 + 1) })),
        slotsInUse: request.slotKeys.map((_key, i) => at(reply, n * 2 + i)),
      };
    },

    async release(slot: SlotRef): Promise<void> {
      await connected();
      await redis.zrem(slot.key, slot.id);
    },

    async renew(slots: readonly SlotRenewal[], holds: readonly SlotRenewal[] = []): Promise<void> {
      if (slots.length === 0 && holds.length === 0) return;
      await connected();
      const args: (string | number)[] = [clock(), slots.length];
      for (const s of [...slots, ...holds]) args.push(s.id, s.leaseMs);
      await renew([...slots, ...holds].map((s) => s.key), args);
    },

    async settle(settlements: readonly SpendSettlement[]): Promise<void> {
      if (settlements.length === 0) return;
      await connected();
      const args: (string | number)[] = [clock()];
      for (const s of settlements) args.push(s.id, s.cost, s.ttlMs, s.dedupeMs);
      await settle(settlements.map((s) => s.key), args);
    },

    ready,

    async close(): Promise<void> {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

function defineScript(redis: Redis, name: string, lua: string): ScriptCall {
  redis.defineCommand(name, { lua });
  const command: unknown = Reflect.get(redis, name);
  if (typeof command !== "function") throw new Error(`ioredis did not define the ${name} command`);
  return (keys, args) => Promise.resolve(command.call(redis, keys.length, ...keys, ...args) as unknown);
}

function integers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((v) => typeof v === "number")) {
    throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
  }
  return reply;
}

function at(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined) throw new Error(`rate-limit script reply has no value at ${index}`);
  return value;
}
