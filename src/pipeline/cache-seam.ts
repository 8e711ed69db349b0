// Where the response cache plugs into the pipeline: opened after routing (the entry key needs
// the effective sensitivity and the public model), before admission (a hit is charged no
// tokens). The ticket it gives back says what the cache did, and on a miss says what goes
// upstream (embeddings send only the texts no entry answers) and wraps the fresh answer so it
// is stored once complete. The default caches nothing and costs no await.
import type { IncomingHttpHeaders } from "node:http";
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
  /** Undefined synchronously when the model does not cache. */
  open<Req, Result>(operation: Operation<Req, Result>, query: CacheQuery<Req>): Promise<CacheTicket<Req, Result>> | undefined;
  close(): Promise<void>;
}

export const noCache: ResponseCache = {
  open: () => undefined,
  close: () => Promise.resolve(),
};
