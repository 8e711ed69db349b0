// What remained of each token bucket the last time this process checked it, so that a request
// far below every token limit can reserve a cheap upper bound of its prompt instead of running
// the tokenizer. "Far" is deliberately wide (FAR_FACTOR times the reservation), and the memory
// is only a hint: other replicas may have drawn the bucket down since, which is why a request
// admitted on a bound that is refused is decided again with the exact estimate (limiter.ts).
import type { KeyLimitSet, ModelLimitSet, RateLimit } from "./limit-sets.ts";
import type { BucketState } from "./types.ts";

const FAR_FACTOR = 4;

export interface TokenHeadroom {
  /** Whether every token limit of the key and the model last had FAR_FACTOR × `reserve` left (its whole limit, if never checked). */
  far(key: KeyLimitSet | undefined, model: ModelLimitSet | undefined, reserve: number): boolean;
  /** Records what a store check reported for the token buckets. */
  saw(key: KeyLimitSet | undefined, model: ModelLimitSet | undefined, buckets: readonly BucketState[]): void;
  /** Forgets everything (a reload may have changed the limits). */
  clear(): void;
}

export function createTokenHeadroom(): TokenHeadroom {
  // bucket store key -> tokens remaining at the last check; one entry per configured token limit
  const remaining = new Map<string, number>();
  const farFrom = (limit: RateLimit | undefined, reserve: number): boolean => {
    if (limit === undefined) return true;
    // Not seen yet: the limit itself is the best guess (a refusal is decided again exactly anyway).
    const seen = remaining.get(limit.storeKey) ?? limit.limit;
    return seen >= FAR_FACTOR * reserve;
  };
  return {
    far(key, model, reserve) {
      return farFrom(key?.tokens, reserve) && farFrom(model?.tokens, reserve);
    },
    saw(key, model, buckets) {
      for (const bucket of buckets) {
        const limit = bucket.kind === "tokens" ? key?.tokens : bucket.kind === "model_tokens" ? model?.tokens : undefined;
        if (limit !== undefined) remaining.set(limit.storeKey, bucket.remaining);
      }
    },
    clear() {
      remaining.clear();
    },
  };
}
