// Binds a front door to the pipeline: read the body once, let the door parse it into the
// canonical request, and hand the request to the pipeline, which writes the response itself.
import type { Handler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Api, ErrorReply, FrontDoor } from "../../pipeline/front-door.ts";
import type { GatewayError } from "../errors.ts";
import { runPipeline, type PipelineDeps } from "../../pipeline/run.ts";
import type { RuntimeSource } from "../../runtime.ts";
import { readJsonBody } from "../body.ts";
import type { GatewayEnv } from "../context.ts";

export function frontDoorRoute<Req, Result>(
  source: RuntimeSource,
  door: FrontDoor<Req, Result>,
  deps: PipelineDeps,
): Handler<GatewayEnv> {
  return async function frontDoorHandler(c) {
    const runtime = source.current;
    const { incoming, outgoing } = c.env;
    const { server } = runtime.config.raw;
    const body = await readJsonBody(incoming, server.body_limit_bytes, server.body_timeout_ms);
    const key = c.get("key");
    const parsed = door.parse(body, { runtime, key, headers: incoming.headers, search: searchOf(incoming.url) });
    const req = parsed instanceof Promise ? await parsed : parsed;
    await runPipeline(door, req, {
      runtime,
      requestId: c.get("requestId"),
      key,
      headers: incoming.headers,
      res: outgoing,
      record: c.get("record"),
      replyHeaders: c.get("replyHeaders"),
    }, deps);
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
  /** The door's error envelope, for errors on its paths (auth and limits included). */
  readonly renderError?: ((error: GatewayError, requestId: string) => ErrorReply) | undefined;
}

export function mountable<Req, Result>(source: RuntimeSource, door: FrontDoor<Req, Result>, deps: PipelineDeps): MountedDoor {
  return { api: door.api, path: door.path, handler: frontDoorRoute(source, door, deps), renderError: door.renderError?.bind(door) };
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
