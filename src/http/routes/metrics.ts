// GET /metrics: the Prometheus text exposition, optionally behind a bearer token. The same
// answer serves the API port (a Hono route) and the optional metrics-only port (node:http).
import { createHash, timingSafeEqual } from "node:crypto";
import type { Handler } from "hono";
import type { GatewayMetrics } from "../../telemetry/metrics.ts";
import type { GatewayEnv } from "../context.ts";

export interface MetricsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Builds the answer function once: the token's digest is computed here, not per scrape. */
export function metricsAnswer(metrics: GatewayMetrics, token: string | undefined): (authorization: string | undefined) => Promise<MetricsAnswer> {
  const authorized = token === undefined ? () => true : bearerGuard(token);
  return async function answer(authorization) {
    if (!authorized(authorization)) {
      return {
        status: 401,
        headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' },
        body: "unauthorized: send Authorization: Bearer <server.metrics.token>\n",
      };
    }
    return { status: 200, headers: { "content-type": metrics.contentType }, body: await metrics.scrape() };
  };
}

export function metricsRoute(metrics: GatewayMetrics, token: string | undefined): Handler<GatewayEnv> {
  const answer = metricsAnswer(metrics, token);
  return async function metricsHandler(c) {
    const { status, headers, body } = await answer(c.req.header("authorization"));
    return c.body(body, status as 200, headers);
  };
}

/**
 * Whether an Authorization header carries `Bearer <token>`. Compares digests in constant time,
 * so a wrong token's timing says nothing about the right one; the token's digest is computed once.
 */
export function bearerGuard(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) return false;
    return timingSafeEqual(digest(match[1].trim()), expected);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
