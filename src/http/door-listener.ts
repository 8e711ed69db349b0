// The front doors' POST routes without Hono: the node:http listener looks the path up and runs
// request id, access log, auth, budget header, the door and the error response as plain calls,
// one async function per request. The same functions sit behind Hono's middlewares, which
// serve everything else (probes, metrics, models, stored responses, unknown paths).
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ResolvedKey } from "../config/types.ts";
import type { RuntimeSource } from "../runtime.ts";
import type { RequestRecord } from "./context.ts";
import { drainWhenDone } from "./drain-incoming.ts";
import type { ErrorAnswer, FailedRequest } from "./error-reply.ts";
import type { AccessLog } from "./middleware/access-log.ts";
import { keyOf } from "./middleware/auth.ts";
import { stampBudgetUnlessDone } from "./middleware/budget-header.ts";
import { requestIdOf } from "./middleware/request-id.ts";
import type { DoorServer } from "./routes/front-door.ts";

export interface DirectDoors {
  readonly source: RuntimeSource;
  /** Each door's POST paths (with and without `/v1`) to the door. */
  readonly routes: ReadonlyMap<string, DoorServer>;
  readonly log: AccessLog;
  readonly errorAnswer: (err: unknown, at: FailedRequest) => ErrorAnswer | undefined;
}

/**
 * Hono's adaptor builds a URL from the Host header and refuses some: only a host it takes as
 * it is comes here, so a request Hono would refuse is still refused by Hono.
 */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/** `fallback`: Hono's listener, for every request that is not a door's POST. */
export function doorListener(doors: DirectDoors, fallback: (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<unknown>): RequestListener {
  return function gatewayListener(incoming, outgoing) {
    const path = incoming.method === "POST" ? pathOf(incoming.url ?? "") : undefined;
    const serve = path === undefined ? undefined : doors.routes.get(path);
    const host = incoming.headers.host;
    if (serve === undefined || path === undefined || host === undefined || !PLAIN_HOST.test(host)) {
      void fallback(incoming, outgoing);
      return;
    }
    answer(doors, serve, path, incoming, outgoing).catch((error: unknown) => outgoing.destroy(error as Error));
  };
}

/** The path as sent, query cut off; a path a door does not spell exactly (`%`, `..`) is Hono's. */
function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

async function answer(doors: DirectDoors, serve: DoorServer, path: string, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const requestId = requestIdOf(incoming.headers);
  const replyHeaders: Record<string, string> = { "x-request-id": requestId };
  const record: RequestRecord = {};
  const counted = doors.log.start(record, "POST", path);
  // A response the pipeline (or a cut) wrote counts as 200, as Hono's "already sent" does.
  let status = 200;
  try {
    let key: ResolvedKey | undefined;
    try {
      key = keyOf(doors.source.current.config.keys, incoming.headers, record);
      await serve(incoming, outgoing, { requestId, key, record, replyHeaders });
    } catch (err) {
      status = await refuse(doors, err, key, { path, requestId, record, replyHeaders, outgoing });
      drainWhenDone(incoming, outgoing);
    }
  } finally {
    doors.log.finish(record, { requestId, method: "POST", path, headers: incoming.headers }, status, counted);
  }
}

/** Writes the error response (budget headers included for a known key); returns its status. */
async function refuse(doors: DirectDoors, err: unknown, key: ResolvedKey | undefined, at: FailedRequest): Promise<number> {
  let reply = doors.errorAnswer(err, at);
  if (reply === undefined) return 200;
  if (key !== undefined) {
    try {
      await stampBudgetUnlessDone(doors.source, key.name, at.replyHeaders);
    } catch (stampError) {
      reply = doors.errorAnswer(stampError, at);
      if (reply === undefined) return 200;
    }
  }
  // The reply headers go on last, as Hono's request-id middleware copies them onto its response.
  const headers: Record<string, string> = { "content-type": "application/json", ...reply.headers, ...at.replyHeaders };
  const body = JSON.stringify(reply.body);
  headers["content-length"] = String(Buffer.byteLength(body));
  at.outgoing.writeHead(reply.status, headers);
  at.outgoing.end(body);
  return reply.status;
}
