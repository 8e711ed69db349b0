// The embeddings cache, one entry per input: a batch where some inputs are cached sends only
// the others upstream, and the answer puts cached and fresh vectors back in input order. Each
// entry keeps its vector as the upstream gave it (numbers or base64) and its share of the
// batch's prompt tokens; the front door encodes it as the client asked.
import type { CacheQuery, CacheTicket } from "../../pipeline/cache-seam.ts";
import { embeddingInputs, type EmbeddingInput } from "../../providers/embeddings-input.ts";
import type { EmbeddingsRequest, EmbeddingsResult, EmbeddingVector } from "../../providers/types.ts";
import type { CacheContext } from "../context.ts";
import type { Entry } from "../entry.ts";
import { scopedHash, writeFields, writeValue } from "../key.ts";
import type { RequestPolicy } from "../policy.ts";
import type { Found } from "../tiers.ts";

type EmbedTicket = CacheTicket<EmbeddingsRequest, EmbeddingsResult>;

interface StoredVector {
  readonly vector: EmbeddingVector;
  readonly tokens: number;
}

/** `encoding_format` is the front door's to honour; `user` only tags the call. */
const NOT_IN_KEY: ReadonlySet<string> = new Set(["model", "input", "encoding_format", "user"]);

export async function openEmbeddings(ctx: CacheContext, policy: RequestPolicy, query: CacheQuery<EmbeddingsRequest>): Promise<EmbedTicket> {
  const { req } = query;
  const inputs = embeddingInputs(req.input);
  const keys = inputs.map((input) => itemKey(policy, req, input));
  const found: (Found | undefined)[] = policy.read ? await Promise.all(keys.map((key) => Promise.resolve(ctx.store.get(key, { local: policy.local, maxAgeMs: policy.maxAgeMs })))) : keys.map(() => undefined);
  const missing = found.flatMap((hit, index) => (hit ? [] : [index]));
  const tier = found.find((hit) => hit !== undefined)?.tier;
  if (missing.length === 0 && tier) {
    ctx.events.hit(policy.publicModel, query.api, tier);
    const entries = found.map((hit) => (hit as Found).entry);
    const stored = entries.map((entry) => entry.value as StoredVector);
    const tokens = stored.reduce((sum, item) => sum + item.tokens, 0);
    const now = ctx.store.now();
    return {
      status: "hit",
      hit: {
        result: { embeddings: stored.map((item) => item.vector), usage: { prompt_tokens: tokens, total_tokens: tokens } },
        ageSeconds: Math.max(0, ...entries.map((entry: Entry) => (now - entry.storedAt) / 1000)),
      },
      req,
      store: (result) => result,
      abandon: () => undefined,
    };
  }
  ctx.events.miss(policy.publicModel, query.api, ctx.store.missTier(policy.local));
  const partial = missing.length < inputs.length;
  const upstreamReq: EmbeddingsRequest = partial ? { ...req, input: missing.map((index) => inputs[index]) as string[] | number[][] } : req;
  return {
    status: policy.missStatus,
    hit: undefined,
    req: upstreamReq,
    store(result, served) {
      const shares = tokenShares(missing.map((index) => inputs[index] as EmbeddingInput), result.usage?.prompt_tokens ?? 0);
      if (policy.write && served.warnings.length === 0) {
        const ttlMs = policy.ttlMs(served);
        missing.forEach((index, at) => {
          const vector = result.embeddings[at];
          if (vector !== undefined) ctx.store.put(keys[index] as string, { vector, tokens: shares[at] ?? 0 } satisfies StoredVector, ttlMs, policy.local);
        });
      }
      if (!partial) return result;
      // Only the fresh inputs were computed (and are charged); cached ones cost nothing.
      const embeddings: EmbeddingVector[] = found.map((hit) => (hit ? (hit.entry.value as StoredVector).vector : []));
      missing.forEach((index, at) => (embeddings[index] = result.embeddings[at] as EmbeddingVector));
      return { embeddings, usage: result.usage };
    },
    abandon: () => undefined,
  };
}

function itemKey(policy: RequestPolicy, req: EmbeddingsRequest, input: EmbeddingInput): string {
  const hash = scopedHash({ operation: "embedding", namespace: policy.namespace, sensitivity: policy.sensitivity, publicModel: policy.publicModel });
  writeFields(hash, req, NOT_IN_KEY);
  writeValue(hash, input);
  return hash.digest("hex");
}

/** The batch's prompt tokens split over its inputs by length, summing to the batch's. */
function tokenShares(inputs: readonly EmbeddingInput[], total: number): number[] {
  const lengths = inputs.map((input) => input.length);
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return lengths.map(() => 0);
  const shares = lengths.map((length) => Math.floor((total * length) / sum));
  const rest = total - shares.reduce((a, b) => a + b, 0);
  if (shares.length > 0) shares[0] = (shares[0] ?? 0) + rest;
  return shares;
}
