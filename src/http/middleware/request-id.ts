// Takes the caller's x-request-id (when sane) or makes one; every response carries it, and
// responses built by Hono get the shared reply headers copied on at the end.
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { GatewayEnv } from "../context.ts";

const SAFE_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

export function requestId(): MiddlewareHandler<GatewayEnv> {
  return async function requestIdMiddleware(c, next) {
    const given = c.env.incoming.headers["x-request-id"];
    const id = typeof given === "string" && SAFE_ID.test(given) ? given : `req_${randomUUID().replaceAll("-", "")}`;
    c.set("requestId", id);
    c.set("replyHeaders", { "x-request-id": id });
    c.set("record", {});
    await next();
    if (c.res === RESPONSE_ALREADY_SENT) return;
    for (const [name, value] of Object.entries(c.get("replyHeaders"))) c.res.headers.set(name, value);
  };
}
