// The response store a config asks for: in the limits store's backend (memory, or the Redis that
// replicas share), so a response created on one replica can be continued on any other.
import type { RawConfig } from "../../../config/schema.ts";
import { createMemoryKv } from "./memory-kv.ts";
import { createRedisKv } from "./redis-kv.ts";
import { createResponseStore, type ResponseStore } from "./response-store.ts";

type StoreConfig = Pick<RawConfig, "limits" | "responses">;

export function responseStoreFromConfig(config: StoreConfig, onConnectionError?: (error: Error) => void): ResponseStore {
  const { limits } = config;
  if (limits.store === "redis" && limits.redis_url !== undefined) {
    return createResponseStore(createRedisKv({ url: limits.redis_url, ...(onConnectionError ? { onConnectionError } : {}) }));
  }
  return createResponseStore(createMemoryKv({ maxBytes: config.responses.max_bytes }));
}

/** Whether a reload can keep the store it had (same backend, same Redis, same bound). */
export function sameResponseStore(previous: StoreConfig, next: StoreConfig): boolean {
  return (
    previous.limits.store === next.limits.store &&
    previous.limits.redis_url === next.limits.redis_url &&
    previous.responses.max_bytes === next.responses.max_bytes
  );
}
