// The shared backend: plain Redis strings with an expiry, written in one MULTI so a response and
// its items appear together. Commands fail fast while Redis is down (no offline queue), and the
// caller turns that into an error rather than a silent loss of state.
import { redisClient } from "../../../redis/client.ts";
import type { KeyValueStore } from "./kv.ts";

export interface RedisKvOptions {
  readonly url: string;
  readonly keyPrefix?: string;
  readonly onConnectionError?: (error: Error) => void;
}

export function createRedisKv(options: RedisKvOptions): KeyValueStore {
  const RedisClient = redisClient();
  const redis = new RedisClient(options.url, {
    keyPrefix: options.keyPrefix ?? "llmgw:responses:",
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 2_000),
    connectionName: "llm-gateway-responses",
  });
  redis.on("error", (error: Error) => options.onConnectionError?.(error));

  return {
    async get(key) {
      return (await redis.get(key)) ?? undefined;
    },
    async set(entries, ttlS) {
      const batch = redis.multi();
      for (const [key, value] of entries) batch.set(key, value, "EX", ttlS);
      const results = await batch.exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
    },
    async delete(keys) {
      if (keys.length > 0) await redis.del(...keys);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
