// The chat cache: look up (memory, an identical request in flight, Redis), serve a hit in the
// form asked (JSON, or a stream rebuilt from the entry), or lead the miss: its answer, on any
// lane, is folded into one completion and stored once complete and clean, while followers get
// it as it arrives.
import { randomFillSync } from "node:crypto";
import type { CacheHit, CacheQuery, CacheTicket, ServedBy } from "../../pipeline/cache-seam.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, ChatResult, Usage } from "../../providers/types.ts";
import type { CacheContext } from "../context.ts";
import { lazyEntry, type Entry, type Tier } from "../entry.ts";
import type { Found } from "../tiers.ts";
import { liveFeed, untilAborted, type Flight, type LiveFeed } from "../flights.ts";
import { entryTtlMs, type RequestPolicy } from "../policy.ts";
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
  const missTier = ctx.store.missTier(policy.local);
  if (!policy.read && !policy.write) {
    // no-store: nothing is looked up or kept, so no key is made and the answer is not watched.
    ctx.events.miss(policy.publicModel, api, missTier);
    return { status: policy.missStatus, hit: undefined, req, store: asIs, abandon: nothing };
  }
  const key = chatKey(policy, keyed, api);
  // A translating door renders the completion itself; the chat door sends the entry's own JSON.
  const form: JsonForm = api === "chat" ? "body" : "completion";
  if (!policy.read) {
    ctx.events.miss(policy.publicModel, api, missTier);
    return missTicket(ctx, policy, key, req, undefined);
  }
  const found = ctx.store.get(key, { local: policy.local, maxAgeMs: policy.maxAgeMs });
  if (found !== undefined && !(found instanceof Promise)) {
    ctx.events.hit(policy.publicModel, api, found.tier);
    return hitTicket({ form, ctx, key }, req, found.entry);
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
    const followed = await follow(flight, req, query.signal, { form, ctx, key });
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
    return hitTicket({ form, ctx, key }, req, stored.entry);
  }
  ctx.events.miss(policy.publicModel, api, pending.missTier);
  return missTicket(ctx, policy, key, req, leading);
}

/** What a follower gets from its leader: a hit, or undefined when it must go upstream itself. */
async function follow(flight: Flight, req: ChatRequest, signal: AbortSignal, hitOf: HitOf): Promise<ChatTicket | undefined> {
  const outcome = await untilAborted(flight.outcome, signal);
  if (outcome.kind === "none") return undefined;
  // An answer kept unread may prove no completion: then this one asks for itself.
  if (outcome.kind === "entry") return outcome.entry.value === undefined ? undefined : hitTicket(hitOf, req, outcome.entry);
  if (req.stream === true) {
    const result: ChatResult = { kind: "stream", chunks: outcome.feed.follow(signal) };
    return { status: "hit", hit: { result, ageSeconds: 0 }, req, store: asIs, abandon: nothing };
  }
  const entry = await untilAborted(outcome.feed.completed, signal);
  return entry ? hitTicket(hitOf, req, entry) : undefined;
}

/** How a JSON hit is handed to the door: the completion (a translating door renders it), or the chat door's body, ready to send. */
type JsonForm = "completion" | "body";

/** The form of a JSON hit, and where its entry lives (a ready body is counted with it). */
interface HitOf {
  readonly form: JsonForm;
  readonly ctx: CacheContext;
  readonly key: string;
}

/** A hit stores nothing and leaves no one waiting. */
const asIs = (result: ChatResult): ChatResult => result;
const nothing = (): void => undefined;

function hitTicket(hitOf: HitOf, req: ChatRequest, entry: Entry): ChatTicket {
  const completion = entry.value as ChatCompletion;
  const result: ChatResult =
    req.stream === true
      ? { kind: "stream", chunks: fromArray(replayChunks(completion, freshId())) }
      : hitOf.form === "body"
        ? readyBody(hitOf.ctx, hitOf.key, entry)
        : { kind: "completion", completion: { ...completion, id: freshId() } };
  const hit: CacheHit<ChatResult> = { result, ageSeconds: Math.max(0, (hitOf.ctx.store.now() - entry.storedAt) / 1000) };
  return { status: "hit", hit, req, store: asIs, abandon: nothing };
}

/** A hit's id: `chatcmpl-` and 32 random hex digits, as long as the UUID-based ids were. */
const ID_PREFIX = "chatcmpl-";
const ID_LENGTH = ID_PREFIX.length + 32;
const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Random bytes drawn 256 ids at a time: one native call, not one per hit. */
const idBytes = Buffer.alloc(4096);
let idAt = idBytes.length;

/** Writes a fresh id into `into` at `at`, digit by digit (no string made). */
function writeId(into: Buffer, at: number): void {
  if (idAt + 16 > idBytes.length) {
    randomFillSync(idBytes);
    idAt = 0;
  }
  let to = at + into.write(ID_PREFIX, at, "latin1");
  for (const end = idAt + 16; idAt < end; idAt++) {
    const byte = idBytes[idAt] as number;
    into[to++] = HEX[byte >> 4] as number;
    into[to++] = HEX[byte & 15] as number;
  }
}

function freshId(): string {
  const id = Buffer.allocUnsafe(ID_LENGTH);
  writeId(id, 0);
  return id.toString("latin1");
}

/** A JSON hit's body with a placeholder id, rendered at the entry's first JSON hit and kept with it; and its usage, settled. */
interface Ready {
  readonly body: Buffer;
  readonly usage: Promise<Usage | undefined>;
}

const rendered = new WeakMap<Entry, Ready>();

const ID_HEAD = '{"id":"';

/** The chat door's JSON body for a hit: the ready body copied, only the fresh id written per request. */
function readyBody(ctx: CacheContext, key: string, entry: Entry): Passthrough {
  let ready = rendered.get(entry);
  if (ready === undefined) {
    const { id: _id, ...fields } = entry.value as ChatCompletion;
    const json = JSON.stringify(fields);
    const rest = json.length > 2 ? `",${json.slice(1)}` : `"}`;
    ready = { body: Buffer.from(`${ID_HEAD}${"0".repeat(ID_LENGTH)}${rest}`, "utf8"), usage: Promise.resolve(fields.usage) };
    rendered.set(entry, ready);
    ctx.store.grew(key, entry, ready.body.byteLength);
  }
  const body = Buffer.allocUnsafe(ready.body.byteLength);
  ready.body.copy(body);
  writeId(body, ID_HEAD.length);
  return { kind: "passthrough", status: 200, headers: JSON_HEADERS, body: [body], usage: ready.usage };
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Stores a complete answer (given its JSON text when the upstream's bytes are at hand); the entry, or undefined when not kept. */
type Keep = (completion: ChatCompletion | undefined, json?: string) => Entry | undefined;
/** Stores an answer that arrived whole as JSON text; what the requests waiting on it get (undefined: nothing). */
type KeepText = (json: string) => Entry | undefined;

function missTicket(ctx: CacheContext, policy: RequestPolicy, key: string, req: ChatRequest, flight: Flight | undefined): ChatTicket {
  return {
    status: policy.missStatus,
    hit: undefined,
    req,
    store(result, served) {
      const keep: Keep = (completion, json) => {
        if (!completion || !policy.write || served.warnings.length > 0) return undefined;
        const ttlMs = entryTtlMs(policy, served);
        const at = ctx.store.now();
        return ctx.store.put(key, completion, ttlMs, policy.local, json) ? { value: completion, storedAt: at, expiresAt: at + ttlMs } : undefined;
      };
      const keepText: KeepText = (json) => {
        if (!policy.write || served.warnings.length > 0) return undefined;
        if (ctx.store.missTier(policy.local) !== "memory") {
          // A shared tier gets only checked completions.
          const completion = parseCompletion(json);
          return keep(completion, json) ?? transient(completion);
        }
        // Only this process holds it: kept unread, parsed and checked at its first hit.
        const at = ctx.store.now();
        const entry = lazyEntry(json, parseCompletion, at, at + entryTtlMs(policy, served));
        // Too large to keep, the answer still serves the requests waiting for it.
        return ctx.store.hold(key, entry, json) ? entry : lazyEntry(json, parseCompletion, Date.now(), Date.now());
      };
      return recordAnswer(result, served, { keep, keepText }, flight);
    },
    abandon: () => flight?.settle({ kind: "none" }),
  };
}

/** Wraps the fresh answer so it is kept (and handed to followers) once it is complete and clean. */
function recordAnswer(result: ChatResult, served: ServedBy, { keep, keepText }: { keep: Keep; keepText: KeepText }, flight: Flight | undefined): ChatResult {
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
    const handed = keepText(textOf(result.body as readonly Uint8Array[]));
    lead?.settle(handed ? { kind: "entry", entry: handed } : { kind: "none" });
    return result;
  }
  const feed = liveFeed();
  lead?.settle({ kind: "live", feed });
  return { ...result, body: recordSse(result as Passthrough & { body: AsyncIterable<Uint8Array> }, feed, keep) };
}

function settleWith(flight: Flight | undefined, entry: Entry | undefined, completion: ChatCompletion | undefined): void {
  if (!flight) return;
  const value = entry ?? transient(completion);
  flight.settle(value ? { kind: "entry", entry: value } : { kind: "none" });
}

/** An answer too large to keep still serves the requests waiting for it. */
function transient(completion: ChatCompletion | undefined): Entry | undefined {
  return completion && { value: completion, storedAt: Date.now(), expiresAt: Date.now() };
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
