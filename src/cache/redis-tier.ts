// The shared tier: entries in Redis under their own prefix, each with a TTL, so replicas answer
// each other's misses and Redis never holds an entry forever. A Redis that is down or slow
// never fails or stalls a request: commands do not queue while disconnected and time out
// quickly, every failure is reported and read as a miss (or a skipped write), and ioredis
// reconnects in the background.
import { redisClient } from "../redis/client.ts";
import { decodeEntry, encodeEntry, type Entry } from "./entry.ts";

export interface RedisTierOptions {
  readonly url: string;
  readonly keyPrefix?: string;
  readonly compressMinBytes: number;
  readonly commandTimeoutMs?: number;
  /** A failed operation (or the connection's own error): counted, never thrown. */
  readonly onError: (error: Error) => void;
}

export interface RedisTier {
  /** The entry and the size of its JSON (an upper bound when it was compressed). */
  get(key: string): Promise<{ entry: Entry; bytes: number } | undefined>;
  set(key: string, json: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

export const CACHE_KEY_PREFIX = "llmgw:cache:";

export function createRedisTier(options: RedisTierOptions): RedisTier {
  const RedisClient = redisClient();
  const redis = new RedisClient(options.url, {
    keyPrefix: options.keyPrefix ?? CACHE_KEY_PREFIX,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 2_000),
    connectionName: "llm-gateway-cache",
  });
  // Connection errors repeat while Redis is away; the failed operations are what is counted.
  redis.on("error", () => undefined);
  // The first connection is waited for once (bounded), so the first requests are not misses
  // only because the socket was still opening; after that a lost connection fails at once.
  let firstConnection: Promise<void> | undefined = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  }).then(() => (firstConnection = undefined));

  const failed = (error: unknown): undefined => {
    options.onError(error instanceof Error ? error : new Error(String(error)));
    return undefined;
  };

  return {
    async get(key) {
      if (firstConnection) await firstConnection;
      try {
        const bytes = await redis.getBuffer(key);
        return bytes === null ? undefined : await decodeEntry(bytes);
      } catch (error) {
        return failed(error);
      }
    },
    async set(key, json, ttlMs) {
      if (firstConnection) await firstConnection;
      try {
        await redis.set(key, await encodeEntry(json, options.compressMinBytes), "PX", Math.max(1, Math.round(ttlMs)));
      } catch (error) {
        failed(error);
      }
    },
    async close() {
      redis.disconnect();
      await Promise.resolve();
    },
  };
}
