// One JSON line per request, written when the response (stream included) is over, and the
// same facts reported to the metrics for the front doors' requests. Never the prompt, never a
// key: bodies appear only with `logging.bodies: true`, already redacted by the front door.
import type { IncomingHttpHeaders } from "node:http";
import type { MiddlewareHandler } from "hono";
import { accessLineOf } from "../../telemetry/access-line.ts";
import { lineWriter, type Logger } from "../../telemetry/logger.ts";
import type { GatewayMetrics } from "../../telemetry/metrics.ts";
import { finishRequest } from "../../telemetry/request-facts.ts";
import type { GatewayEnv, RequestRecord } from "../context.ts";

export interface AccessLogOptions {
  metrics?: GatewayMetrics | undefined;
  /**
   * The requests the metrics count, LLM traffic (not probes, scrapes or model listings): the
   * front doors' POST paths, each with its `api` label.
   */
  apis?: ReadonlyMap<string, string> | undefined;
}
/** Scrapes and probes arrive every few seconds; at info level they would drown the traffic. */
const QUIET_PATHS = new Set(["/metrics", "/health", "/ready"]);

/** Claude Code names its agent session, so an operator can follow one session's requests. */
const SESSION_HEADER = "x-claude-code-session-id";
const MAX_SESSION_LENGTH = 128;

/** What the access line says about the request itself, known when it arrived. */
export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface AccessLog {
  /** At arrival: stamps the record; returns whether the metrics count this request. */
  start(r: RequestRecord, method: string, path: string): boolean;
  /** When the response is over: the line and, when counted, the metrics. */
  finish(r: RequestRecord, request: RequestLine, responseStatus: number, counted: boolean): void;
}

export function accessLogger(logger: Logger, options: AccessLogOptions = {}): AccessLog {
  const { metrics } = options;
  const apis = options.apis ?? new Map<string, string>();
  const write = lineWriter(logger, "request");
  return {
    start(r, method, path) {
      r.startedAt = performance.now();
      const api = method === "POST" ? apis.get(path) : undefined;
      if (api !== undefined) r.api = api;
      const counted = metrics !== undefined && api !== undefined;
      if (counted) metrics.requestStarted();
      return counted;
    },
    finish(r, request, responseStatus, counted) {
      const done = finishRequest(r, { responseStatus, durationMs: performance.now() - (r.startedAt as number) });
      if (counted) metrics?.requestDone(done);
      const session = request.headers[SESSION_HEADER];
      const line = accessLineOf({ requestId: request.requestId, method: request.method, path: request.path, session: typeof session === "string" ? session.slice(0, MAX_SESSION_LENGTH) : undefined }, r, done);
      if (done.status >= 500 || r.streamError) write("warn", line);
      else if (QUIET_PATHS.has(request.path) && done.status < 400) write("debug", line);
      else write("info", line);
    },
  };
}

export function accessLog(log: AccessLog): MiddlewareHandler<GatewayEnv> {
  return async function accessLogMiddleware(c, next) {
    const r = c.get("record");
    const method = c.req.method;
    const path = c.req.path;
    const counted = log.start(r, method, path);
    try {
      await next();
    } finally {
      log.finish(r, { requestId: c.get("requestId"), method, path, headers: c.env.incoming.headers }, c.res.status, counted);
    }
  };
}
