// Where the response cache plugs into the pipeline: opened after routing (the entry key needs
// the effective sensitivity and the public model), before admission (a hit is charged no
// tokens). The ticket it gives back says what the cache did, and on a miss says what goes
// upstream (embeddings send only the texts no entry answers) and wraps the fresh answer so it
// is stored once complete. The default caches nothing and costs no await.
import type { IncomingHttpHeaders } from "node:http";
import type { ChatRequest, ChatResult, ProviderAdapter } from "../providers/types.ts";
import type { RouteDecision } from "../routing/router.ts";
import type { Api } from "./front-door.ts";
import type { Operation } from "./operation.ts";

export interface CacheQuery<Req> {
  readonly req: Req;
  readonly api: Api;
  readonly decision: RouteDecision;
  /** The namespace: an entry never answers another key unless its model shares it. */
  readonly keyName: string | undefined;
  /** `Cache-Control` (no-cache, no-store, max-age). */
  readonly headers: IncomingHttpHeaders;
  /** The client went away: a request waiting on an identical one in flight stops waiting. */
  readonly signal: AbortSignal;
  /** The configured providers, to tell whether the plan's first target serves a door natively. */
  readonly adapters: ReadonlyMap<string, ProviderAdapter>;
}

/**
 * How a door that serves chat on a translated lane (Messages, Responses) is cached: through the
 * canonical chat request and completion, which the door renders in its own form when it writes.
 * Its native lane (the client's body relayed to a provider that speaks the door's API) is not.
 */
export interface TranslatedLane<Req, Result> {
  /** The canonical chat request the translated lane sends; undefined when no translated lane can serve this request. */
  chat(req: Req): ChatRequest | undefined;
  /**
   * Adjustments the translation itself made (reported as warnings when a translated target
   * serves): the canonical request, and so the key, already reflects them, so unlike a
   * target's own adjustments they do not keep the answer from being stored.
   */
  translationWarnings(req: Req): readonly string[];
  /** Whether this provider serves the door on its native lane. */
  native(adapter: ProviderAdapter): boolean;
  /** The answer in chat terms, or undefined when a native lane served it. */
  translated(result: Result): ChatResult | undefined;
  /** A chat answer as the door's result: a cached one (`served` undefined), or the fresh one `served` carried, wrapped for storing. */
  wrap(chat: ChatResult, served: Result | undefined): Result;
}

/** What `x-llm-cache` says: served from the cache, fetched, not looked up (no-store), or looked past (no-cache). */
export type CacheStatus = "hit" | "miss" | "bypass" | "refresh";

export interface CacheHit<Result> {
  readonly result: Result;
  readonly ageSeconds: number;
}

/** Who served a fresh answer: fallback answers live shorter, adjusted ones are not kept. */
export interface ServedBy {
  readonly fallbacks: number;
  readonly warnings: readonly string[];
}

export interface CacheTicket<Req, Result> {
  readonly status: CacheStatus;
  /** Of a batch (embeddings), how many items stored answers served: `3/5`; undefined when nothing was looked up. */
  readonly served?: string | undefined;
  /** Set when stored answers serve the whole request. */
  readonly hit: CacheHit<Result> | undefined;
  /** What goes upstream on a miss: the request, or the part of it no entry answers. */
  readonly req: Req;
  /** Wraps the fresh answer so it is stored once complete (a stream only when it ends cleanly). */
  store(result: Result, served: ServedBy): Result;
  /** No answer came: identical requests waiting on this one go upstream on their own. */
  abandon(): void;
}

export interface ResponseCache {
  /** Undefined when the model does not cache; the ticket itself when no lookup has to wait (no await). */
  open<Req, Result>(operation: Operation<Req, Result>, query: CacheQuery<Req>): CacheTicket<Req, Result> | Promise<CacheTicket<Req, Result>> | undefined;
  close(): Promise<void>;
}

export const noCache: ResponseCache = {
  open: () => undefined,
  close: () => Promise.resolve(),
};
