// The embeddings cache, one entry per input: a batch where some inputs are cached sends only
// the others upstream, and the answer puts cached and fresh vectors back in input order. Each
// entry keeps its vector as the upstream gave it (numbers or base64) and its share of the
// batch's prompt tokens; the front door encodes it as the client asked. Inputs another request
// is fetching are waited for (per input, so batches sharing texts share the call), and
// `x-llm-cache-hits` says how many inputs stored answers served.
import type { CacheQuery, CacheTicket } from "../../pipeline/cache-seam.ts";
import { embeddingInputs, type EmbeddingInput } from "../../providers/embeddings-input.ts";
import type { EmbeddingsRequest, EmbeddingsResult, EmbeddingVector } from "../../providers/types.ts";
import type { CacheContext } from "../context.ts";
import type { Entry, Tier } from "../entry.ts";
import { untilAborted } from "../flights.ts";
import { scopedHash, writeFields, writeValue } from "../key.ts";
import { entryTtlMs, type RequestPolicy } from "../policy.ts";

type EmbedTicket = CacheTicket<EmbeddingsRequest, EmbeddingsResult>;

interface StoredVector {
  readonly vector: EmbeddingVector;
  readonly tokens: number;
}

/** `encoding_format` is the front door's to honour; `user` only tags the call. */
const NOT_IN_KEY: ReadonlySet<string> = new Set(["model", "input", "encoding_format", "user"]);

/** A stored answer to one input: found in a tier, or handed over by an identical input in flight. */
interface Answered {
  readonly entry: Entry;
  readonly tier: Tier;
}

/** How many times a request waits for inputs in flight before it asks for what is still missing itself. */
const FOLLOW_ROUNDS = 3;

export async function openEmbeddings(ctx: CacheContext, policy: RequestPolicy, query: CacheQuery<EmbeddingsRequest>): Promise<EmbedTicket> {
  const { req } = query;
  const inputs = embeddingInputs(req.input);
  const keys = itemKeys(policy, req, inputs);
  const lookup = { local: policy.local, maxAgeMs: policy.maxAgeMs };
  const found: (Answered | undefined)[] = policy.read ? await Promise.all(keys.map((key) => Promise.resolve(ctx.store.get(key, lookup)))) : keys.map(() => undefined);
  // An entry too old for this client is not taken from a request in flight either: it asks afresh.
  if (policy.read && policy.maxAgeMs === undefined) await followFlights(ctx, keys, found, query.signal);
  const missing = found.flatMap((hit, index) => (hit ? [] : [index]));
  const served = policy.read ? `${inputs.length - missing.length}/${inputs.length}` : undefined;
  const tier = found.find((hit) => hit !== undefined)?.tier;
  if (missing.length === 0 && tier) {
    ctx.events.hit(policy.publicModel, query.api, tier);
    const entries = found.map((hit) => (hit as Answered).entry);
    const stored = entries.map((entry) => entry.value as StoredVector);
    const tokens = stored.reduce((sum, item) => sum + item.tokens, 0);
    const now = ctx.store.now();
    return {
      status: "hit",
      served,
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
  // Synchronously after the last wait: an identical input arriving from now on follows this one.
  const leading = missing.map((index) => (policy.write && !ctx.flights.find(keys[index] as string) ? ctx.flights.lead(keys[index] as string) : undefined));
  const settleNone = () => leading.forEach((flight) => flight?.settle({ kind: "none" }));
  const partial = missing.length < inputs.length;
  const upstreamReq: EmbeddingsRequest = partial ? { ...req, input: missing.map((index) => inputs[index]) as string[] | number[][] } : req;
  return {
    status: policy.missStatus,
    served,
    hit: undefined,
    req: upstreamReq,
    store(result, servedBy) {
      const shares = tokenShares(missing.map((index) => inputs[index] as EmbeddingInput), result.usage?.prompt_tokens ?? 0);
      // An adjusted answer is right for this request only: the inputs waiting on it ask for themselves.
      if (!policy.write || servedBy.warnings.length > 0) settleNone();
      else {
        const ttlMs = entryTtlMs(policy, servedBy);
        missing.forEach((index, at) => {
          const vector = result.embeddings[at];
          const flight = leading[at];
          if (vector === undefined) return flight?.settle({ kind: "none" });
          const value: StoredVector = { vector, tokens: shares[at] ?? 0 };
          ctx.store.put(keys[index] as string, value, ttlMs, policy.local);
          // Too large to keep, the vector still serves the requests waiting for it.
          const storedAt = ctx.store.now();
          flight?.settle({ kind: "entry", entry: { value, storedAt, expiresAt: storedAt + ttlMs } });
        });
      }
      if (!partial) return result;
      // Only the fresh inputs were computed (and are charged); cached ones cost nothing.
      const embeddings: EmbeddingVector[] = found.map((hit) => (hit ? (hit.entry.value as StoredVector).vector : []));
      missing.forEach((index, at) => (embeddings[index] = result.embeddings[at] as EmbeddingVector));
      return { embeddings, usage: result.usage };
    },
    abandon: settleNone,
  };
}

/**
 * Waits for the inputs an identical request is fetching (holding no flight of its own while it
 * waits, so two requests never wait on each other), then again for any that a newly started
 * request fetches, a few times at most. An input whose leader failed stays missing, and the
 * request stops waiting: it goes upstream on its own.
 */
async function followFlights(ctx: CacheContext, keys: readonly string[], found: (Answered | undefined)[], signal: AbortSignal): Promise<void> {
  for (let round = 0; round < FOLLOW_ROUNDS; round += 1) {
    const waits = found.flatMap((hit, index) => {
      const flight = hit ? undefined : ctx.flights.find(keys[index] as string);
      return flight ? [{ index, flight }] : [];
    });
    if (waits.length === 0) return;
    const outcomes = await untilAborted(Promise.all(waits.map(({ flight }) => flight.outcome)), signal);
    outcomes.forEach((outcome, at) => {
      if (outcome.kind === "entry") found[(waits[at] as { index: number }).index] = { entry: outcome.entry, tier: "inflight" };
    });
    // A leader failed: this request asks for the rest itself rather than queue behind another.
    if (outcomes.some((outcome) => outcome.kind !== "entry")) return;
  }
}

/** The scope and the request's other fields are hashed once; each input's key goes on from there. */
function itemKeys(policy: RequestPolicy, req: EmbeddingsRequest, inputs: readonly EmbeddingInput[]): string[] {
  const shared = scopedHash({ operation: "embedding", namespace: policy.namespace, sensitivity: policy.sensitivity, publicModel: policy.publicModel });
  writeFields(shared, req, NOT_IN_KEY);
  return inputs.map((input) => {
    const hash = shared.copy();
    writeValue(hash, input);
    return hash.key();
  });
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
