// Where the response cache plugs into the pipeline: looked up after routing (the entry key
// needs the effective sensitivity and the public model), stored as a fresh answer passes to
// the client. Only the seam exists here; the default caches nothing and costs no await.
import type { IncomingHttpHeaders } from "node:http";
import type { RouteDecision } from "../routing/router.ts";
import type { Operation } from "./operation.ts";

export interface CacheQuery<Req> {
  readonly req: Req;
  readonly decision: RouteDecision;
  /** The namespace: an entry never answers another key unless its model shares it. */
  readonly keyName: string | undefined;
  /** `Cache-Control` (no-cache, no-store, max-age). */
  readonly headers: IncomingHttpHeaders;
}

export interface CacheHit<Result> {
  readonly result: Result;
  readonly ageSeconds: number;
}

export interface ResponseCache {
  /** A stored answer, or undefined; undefined synchronously when the model does not cache. */
  lookup<Req, Result>(operation: Operation<Req, Result>, query: CacheQuery<Req>): Promise<CacheHit<Result> | undefined> | undefined;
  /** Wraps a fresh answer so it is stored once complete (a stream only when it ends cleanly). */
  store<Req, Result>(operation: Operation<Req, Result>, query: CacheQuery<Req>, result: Result, fallbacks: number): Result;
}

export const noCache: ResponseCache = {
  lookup: () => undefined,
  store: (_operation, _query, result) => result,
};
