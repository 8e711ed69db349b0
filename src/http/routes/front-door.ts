// Binds a front door to the pipeline: read the body once, let the door parse it into the
// canonical request, and hand the request to the pipeline, which writes the response itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Handler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Api, ErrorReply, FrontDoor } from "../../pipeline/front-door.ts";
import type { GatewayError } from "../errors.ts";
import { runPipeline, type PipelineDeps } from "../../pipeline/run.ts";
import type { RuntimeSource } from "../../runtime.ts";
import { readJsonBody } from "../body.ts";
import type { ResolvedKey } from "../../config/types.ts";
import type { GatewayEnv, RequestRecord } from "../context.ts";

/** What the layer in front of a door learned about the request before the door runs. */
export interface DoorRequest {
  readonly requestId: string;
  readonly key: ResolvedKey | undefined;
  readonly record: RequestRecord;
  readonly replyHeaders: Record<string, string>;
}

/** A door's request, served on the node objects; the pipeline writes the response. */
export type DoorServer = (incoming: IncomingMessage, outgoing: ServerResponse, request: DoorRequest) => Promise<void>;

export function doorServer<Req, Result>(source: RuntimeSource, door: FrontDoor<Req, Result>, deps: PipelineDeps): DoorServer {
  return async function serveDoor(incoming, outgoing, request) {
    const runtime = source.current;
    const { server } = runtime.config.raw;
    const body = await readJsonBody(incoming, server.body_limit_bytes, server.body_timeout_ms);
    const { key } = request;
    const parsed = door.parse(body, { runtime, key, headers: incoming.headers, search: searchOf(incoming.url) });
    const req = parsed instanceof Promise ? await parsed : parsed;
    await runPipeline(door, req, {
      runtime,
      requestId: request.requestId,
      key,
      headers: incoming.headers,
      res: outgoing,
      record: request.record,
      replyHeaders: request.replyHeaders,
    }, deps);
  };
}

/** The same, as a Hono route (for `app.request` and any path the direct listener leaves to Hono). */
export function frontDoorRoute(serve: DoorServer): Handler<GatewayEnv> {
  return async function frontDoorHandler(c) {
    await serve(c.env.incoming, c.env.outgoing, { requestId: c.get("requestId"), key: c.get("key"), record: c.get("record"), replyHeaders: c.get("replyHeaders") });
    return RESPONSE_ALREADY_SENT;
  };
}

function searchOf(url: string | undefined): string {
  const at = url?.indexOf("?") ?? -1;
  return url === undefined || at < 0 ? "" : url.slice(at);
}

/** A front door ready to mount: its route and the `api` label its path carries. */
export interface MountedDoor {
  readonly api: Api;
  readonly path: string;
  readonly handler: Handler<GatewayEnv>;
  /** The door without Hono, for the direct listener. */
  readonly serve: DoorServer;
  /** The door's error envelope, for errors on its paths (auth and limits included). */
  readonly renderError?: ((error: GatewayError, requestId: string) => ErrorReply) | undefined;
}

export function mountable<Req, Result>(source: RuntimeSource, door: FrontDoor<Req, Result>, deps: PipelineDeps): MountedDoor {
  const serve = doorServer(source, door, deps);
  return { api: door.api, path: door.path, handler: frontDoorRoute(serve), serve, renderError: door.renderError?.bind(door) };
}

/** Each door's paths (with and without `/v1`) to its `api` label, for the access log. */
export function apiByPath(doors: readonly MountedDoor[]): ReadonlyMap<string, Api> {
  return new Map(doors.flatMap((door) => [[`/v1${door.path}`, door.api] as const, [door.path, door.api] as const]));
}

/** Each door's paths (with and without `/v1`) to its error envelope, for the doors that have their own. */
export function errorRenderersByPath(doors: readonly MountedDoor[]): ReadonlyMap<string, (error: GatewayError, requestId: string) => ErrorReply> {
  return new Map(
    doors.flatMap((door) => {
      const render = door.renderError;
      return render ? [[`/v1${door.path}`, render] as const, [door.path, render] as const] : [];
    }),
  );
}
