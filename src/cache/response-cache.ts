// The response cache behind the pipeline's seam: decides per request whether the model caches
// and what the client allows, then hands chat, the translated lanes of the other chat doors,
// and embeddings requests to their own code.
import type { CacheConfig } from "../config/schema.ts";
import type { CacheQuery, CacheTicket, ResponseCache } from "../pipeline/cache-seam.ts";
import type { Operation } from "../pipeline/operation.ts";
import type { ChatRequest, ChatResult, EmbeddingsRequest } from "../providers/types.ts";
import { openChat } from "./chat/open.ts";
import { openTranslated, translatedChat } from "./chat/translated.ts";
import type { CacheContext, CacheEvents } from "./context.ts";
import { openEmbeddings } from "./embeddings/open.ts";
import { createFlights } from "./flights.ts";
import { createMemoryTier, type MemoryTier } from "./memory-tier.ts";
import { requestPolicy } from "./policy.ts";
import { createRedisTier } from "./redis-tier.ts";
import { createEntryStore } from "./tiers.ts";

export interface CacheDeps {
  readonly events: CacheEvents;
  /** A Redis operation failed (the request went on as a miss). */
  readonly onStoreError: (error: Error) => void;
  /** Epoch ms; tests move it to expire entries. */
  readonly clock?: () => number;
  /** `limits.redis_url`, used when the cache section names none. */
  readonly fallbackRedisUrl?: string | undefined;
}

export interface GatewayCache extends ResponseCache {
  /** The in-process tier, for the memory bound's tests and the bench. */
  readonly memory: MemoryTier;
}

export function createResponseCache(config: CacheConfig, deps: CacheDeps): GatewayCache {
  const memory = createMemoryTier(config.max_bytes);
  const redisUrl = config.redis_url ?? deps.fallbackRedisUrl;
  const redis =
    config.store === "redis" && redisUrl !== undefined
      ? createRedisTier({ url: redisUrl, compressMinBytes: config.compress_min_bytes, onError: deps.onStoreError })
      : undefined;
  const ctx: CacheContext = {
    store: createEntryStore(memory, redis, config.max_entry_bytes, deps.clock ?? Date.now),
    flights: createFlights(),
    events: deps.events,
  };

  return {
    memory,
    open<Req, Result>(operation: Operation<Req, Result>, query: CacheQuery<Req>): CacheTicket<Req, Result> | Promise<CacheTicket<Req, Result>> | undefined {
      const { model, sensitivity } = query.decision;
      if (model.cache === undefined) return undefined;
      // Doors with their own request shapes are cached through their translated lane's chat.
      const lane = operation.translatedLane;
      const translated = lane && translatedChat(lane, query);
      if (lane && translated === undefined) return undefined;
      const policy = requestPolicy({
        model: { name: model.name, cache: model.cache },
        sensitivity,
        keyName: query.keyName,
        headers: query.headers,
        fallbackTtlS: config.fallback_ttl_s,
      });
      // The operation's kind says which request and result types Req and Result are.
      if (lane && translated) return openTranslated(ctx, policy, lane, query, translated);
      if (operation.kind === "chat") {
        const chat = query as unknown as CacheQuery<ChatRequest>;
        const upstream = (operation as unknown as Operation<ChatRequest, ChatResult>).upstreamRequest(chat.req);
        return openChat(ctx, policy, chat, upstream) as unknown as CacheTicket<Req, Result> | Promise<CacheTicket<Req, Result>>;
      }
      return openEmbeddings(ctx, policy, query as unknown as CacheQuery<EmbeddingsRequest>) as unknown as Promise<CacheTicket<Req, Result>>;
    },
    close: () => redis?.close() ?? Promise.resolve(),
  };
}
