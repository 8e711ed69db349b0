// The chat cache: look up (memory, an identical request in flight, Redis), serve a hit in the
// form asked (JSON, or a stream rebuilt from the entry), or lead the miss: its answer, on any
// lane, is folded into one completion and stored once complete and clean, while followers get
// it as it arrives.
import { randomUUID } from "node:crypto";
import type { CacheHit, CacheQuery, CacheTicket, ServedBy } from "../../pipeline/cache-seam.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, ChatResult, Usage } from "../../providers/types.ts";
import type { CacheContext } from "../context.ts";
import type { Entry, Tier } from "../entry.ts";
import type { Found } from "../tiers.ts";
import { liveFeed, untilAborted, type Flight, type LiveFeed } from "../flights.ts";
import type { RequestPolicy } from "../policy.ts";
import { aggregateChunks } from "./aggregate.ts";
import { chatKey } from "./key.ts";
import { replayChunks } from "./replay.ts";
import { watchSse } from "./sse-watch.ts";

type ChatTicket = CacheTicket<ChatRequest, ChatResult>;
type Passthrough = Extract<ChatResult, { kind: "passthrough" }>;

/**
 * `keyed` is the request as it goes upstream (the gateway's routing hints out); `req`'s `stream`
 * says which form a hit takes. Answered at once when the memory tier decides (a hit, or a miss
 * with nothing in flight and no Redis to ask); a promise only when something must be waited for.
 */
export function openChat(ctx: CacheContext, policy: RequestPolicy, query: Pick<CacheQuery<ChatRequest>, "req" | "api" | "signal">, keyed: ChatRequest): ChatTicket | Promise<ChatTicket> {
  const { req, api } = query;
  const key = chatKey(policy, keyed, api);
  const missTier = ctx.store.missTier(policy.local);
  // A translating door renders the completion itself; the chat door sends the entry's own JSON.
  const form: JsonForm = api === "chat" ? { kind: "body", ctx, key } : COMPLETION;
  if (!policy.read) {
    ctx.events.miss(policy.publicModel, api, missTier);
    return missTicket(ctx, policy, key, req, undefined);
  }
  const found = ctx.store.get(key, { local: policy.local, maxAgeMs: policy.maxAgeMs });
  if (found !== undefined && !(found instanceof Promise)) {
    ctx.events.hit(policy.publicModel, api, found.tier);
    return hitTicket(req, found.entry, ctx.store.now(), form);
  }
  // A leader whose entry is too old for this client is not followed: this one asks afresh.
  const flight = policy.maxAgeMs === undefined ? ctx.flights.find(key) : undefined;
  if (flight || found !== undefined) return lookFurther(ctx, policy, query, { key, missTier, form, flight, found });
  ctx.events.miss(policy.publicModel, api, missTier);
  return missTicket(ctx, policy, key, req, policy.write ? ctx.flights.lead(key) : undefined);
}

interface Pending {
  readonly key: string;
  readonly missTier: Exclude<Tier, "inflight">;
  readonly form: JsonForm;
  /** An identical request in flight, to follow. */
  readonly flight: Flight | undefined;
  /** Redis's answer, still to come. */
  readonly found: Promise<Found | undefined> | undefined;
}

/** The lookups that wait: following an identical request in flight, or Redis. */
async function lookFurther(ctx: CacheContext, policy: RequestPolicy, query: Pick<CacheQuery<ChatRequest>, "req" | "api" | "signal">, pending: Pending): Promise<ChatTicket> {
  const { req, api } = query;
  const { key, form, flight, found } = pending;
  if (flight) {
    const followed = await follow(flight, req, query.signal, ctx.store.now, form);
    if (followed) {
      ctx.events.hit(policy.publicModel, api, "inflight");
      return followed;
    }
    ctx.events.miss(policy.publicModel, api, pending.missTier);
    return missTicket(ctx, policy, key, req, undefined);
  }
  const leading = policy.write ? ctx.flights.lead(key) : undefined;
  const stored = await found?.catch(() => undefined);
  if (stored) {
    leading?.settle({ kind: "entry", entry: stored.entry });
    ctx.events.hit(policy.publicModel, api, stored.tier);
    return hitTicket(req, stored.entry, ctx.store.now(), form);
  }
  ctx.events.miss(policy.publicModel, api, pending.missTier);
  return missTicket(ctx, policy, key, req, leading);
}

/** What a follower gets from its leader: a hit, or undefined when it must go upstream itself. */
async function follow(flight: Flight, req: ChatRequest, signal: AbortSignal, now: () => number, form: JsonForm): Promise<ChatTicket | undefined> {
  const outcome = await untilAborted(flight.outcome, signal);
  if (outcome.kind === "none") return undefined;
  if (outcome.kind === "entry") return hitTicket(req, outcome.entry, now(), form);
  if (req.stream === true) {
    const result: ChatResult = { kind: "stream", chunks: outcome.feed.follow(signal) };
    return { status: "hit", hit: { result, ageSeconds: 0 }, req, store: (r) => r, abandon: () => undefined };
  }
  const entry = await untilAborted(outcome.feed.completed, signal);
  return entry ? hitTicket(req, entry, now(), form) : undefined;
}

/** How a JSON hit is handed to the door: the completion (a translating door renders it), or the chat door's body, ready to send. */
type JsonForm = { readonly kind: "completion" } | { readonly kind: "body"; readonly ctx: CacheContext; readonly key: string };

const COMPLETION: JsonForm = { kind: "completion" };

function hitTicket(req: ChatRequest, entry: Entry, now: number, form: JsonForm): ChatTicket {
  const completion = entry.value as ChatCompletion;
  const id = `chatcmpl-${randomUUID().replaceAll("-", "")}`;
  const result: ChatResult =
    req.stream === true
      ? { kind: "stream", chunks: fromArray(replayChunks(completion, id)) }
      : form.kind === "body"
        ? readyBody(form.ctx, form.key, entry, id)
        : { kind: "completion", completion: { ...completion, id } };
  const hit: CacheHit<ChatResult> = { result, ageSeconds: Math.max(0, (now - entry.storedAt) / 1000) };
  return { status: "hit", hit, req, store: (r) => r, abandon: () => undefined };
}

/** The entry's JSON after its `id`, rendered at its first JSON hit and kept with it for the next ones. */
const rendered = new WeakMap<Entry, Buffer>();

const ID_HEAD = '{"id":"';

/** The chat door's JSON body for a hit, in one buffer: only the fresh id is written per request. */
function readyBody(ctx: CacheContext, key: string, entry: Entry, id: string): Passthrough {
  let rest = rendered.get(entry);
  if (rest === undefined) {
    const { id: _id, ...fields } = entry.value as ChatCompletion;
    const json = JSON.stringify(fields);
    rest = Buffer.from(json.length > 2 ? `",${json.slice(1)}` : `"}`, "utf8");
    rendered.set(entry, rest);
    ctx.store.grew(key, entry, rest.byteLength);
  }
  // The id is ASCII: its bytes are its characters.
  const body = Buffer.allocUnsafe(ID_HEAD.length + id.length + rest.byteLength);
  body.write(ID_HEAD, 0, "latin1");
  body.write(id, ID_HEAD.length, "latin1");
  rest.copy(body, ID_HEAD.length + id.length);
  const usage = (entry.value as ChatCompletion).usage;
  return { kind: "passthrough", status: 200, headers: JSON_HEADERS, body: [body], usage: Promise.resolve(usage) };
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Stores a complete answer (given its JSON text when the upstream's bytes are at hand); the entry, or undefined when not kept. */
type Keep = (completion: ChatCompletion | undefined, json?: string) => Entry | undefined;

function missTicket(ctx: CacheContext, policy: RequestPolicy, key: string, req: ChatRequest, flight: Flight | undefined): ChatTicket {
  return {
    status: policy.missStatus,
    hit: undefined,
    req,
    store(result, served) {
      const keep: Keep = (completion, json) => {
        if (!completion || !policy.write || served.warnings.length > 0) return undefined;
        const ttlMs = policy.ttlMs(served);
        const at = ctx.store.now();
        return ctx.store.put(key, completion, ttlMs, policy.local, json) ? { value: completion, storedAt: at, expiresAt: at + ttlMs } : undefined;
      };
      return recordAnswer(result, served, keep, flight);
    },
    abandon: () => flight?.settle({ kind: "none" }),
  };
}

/** Wraps the fresh answer so it is kept (and handed to followers) once it is complete and clean. */
function recordAnswer(result: ChatResult, served: ServedBy, keep: Keep, flight: Flight | undefined): ChatResult {
  // An adjusted answer is right for this request only: followers ask for themselves.
  const lead = served.warnings.length === 0 ? flight : undefined;
  if (flight && !lead) flight.settle({ kind: "none" });
  if (result.kind === "completion") {
    settleWith(lead, keep(result.completion), result.completion);
    return result;
  }
  if (result.kind === "stream") {
    const feed = liveFeed();
    lead?.settle({ kind: "live", feed });
    return { kind: "stream", chunks: recordChunks(result.chunks, feed, keep) };
  }
  if (Array.isArray(result.body)) {
    const text = textOf(result.body as readonly Uint8Array[]);
    const completion = parseCompletion(text);
    settleWith(lead, keep(completion, text), completion);
    return result;
  }
  const feed = liveFeed();
  lead?.settle({ kind: "live", feed });
  return { ...result, body: recordSse(result as Passthrough & { body: AsyncIterable<Uint8Array> }, feed, keep) };
}

function settleWith(flight: Flight | undefined, entry: Entry | undefined, completion: ChatCompletion | undefined): void {
  if (!flight) return;
  // Too large to keep, the answer still serves the requests waiting for it.
  const value = entry ?? (completion && { value: completion, storedAt: Date.now(), expiresAt: Date.now() });
  flight.settle(value ? { kind: "entry", entry: value } : { kind: "none" });
}

async function* recordChunks(source: AsyncIterable<ChatCompletionChunk>, feed: LiveFeed, keep: Keep): AsyncGenerator<ChatCompletionChunk> {
  const aggregate = aggregateChunks();
  let clean = false;
  try {
    for await (const chunk of source) {
      aggregate.add(chunk);
      feed.push(chunk);
      yield chunk;
    }
    clean = true;
  } finally {
    if (clean) feed.end(keep(aggregate.finish(undefined)));
    else feed.fail(new Error("the stream this request followed ended early"));
  }
}

async function* recordSse(result: Passthrough & { body: AsyncIterable<Uint8Array> }, feed: LiveFeed, keep: Keep): AsyncGenerator<Uint8Array> {
  const aggregate = aggregateChunks();
  const watch = watchSse((chunk) => {
    aggregate.add(chunk);
    // Followers get usage once, from the end below, like every stream the adapters translate.
    if (chunk.choices.length > 0) feed.push(chunk);
  });
  try {
    for await (const bytes of result.body) {
      watch.push(bytes);
      yield bytes;
    }
  } finally {
    // Complete once `[DONE]` has passed, even when the reader stops there (a door translating
    // the chunks needs nothing after it).
    if (watch.done && !watch.failed) {
      const usage: Usage | undefined = await result.usage;
      const completion = aggregate.finish(usage);
      if (completion?.usage) feed.push(usageChunk(completion));
      feed.end(keep(completion));
    } else {
      feed.fail(new Error("the stream this request followed ended early"));
    }
  }
}

function usageChunk(completion: ChatCompletion): ChatCompletionChunk {
  return { id: completion.id, object: "chat.completion.chunk", created: completion.created, model: completion.model, choices: [], ...(completion.usage ? { usage: completion.usage } : {}) };
}

/** The UTF-8 text of an answer that arrived whole, read in place when it is one chunk. */
function textOf(chunks: readonly Uint8Array[]): string {
  const [only] = chunks;
  if (chunks.length !== 1 || only === undefined) return Buffer.concat(chunks).toString("utf8");
  return Buffer.from(only.buffer, only.byteOffset, only.byteLength).toString("utf8");
}

function parseCompletion(text: string): ChatCompletion | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<ChatCompletion>;
    return parsed.object === "chat.completion" && Array.isArray(parsed.choices) ? (parsed as ChatCompletion) : undefined;
  } catch {
    return undefined;
  }
}

function fromArray<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let at = 0;
      return { next: () => Promise.resolve(at < items.length ? { done: false, value: items[at++] as T } : { done: true, value: undefined }) };
    },
  };
}
