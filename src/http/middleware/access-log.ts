// One JSON line per request, written when the response (stream included) is over, and the
// same facts reported to the metrics for the front doors' requests. Never the prompt, never a
// key: bodies appear only with `logging.bodies: true`, already redacted by the front door.
import type { MiddlewareHandler } from "hono";
import { accessLineMembers, type AccessLine } from "../../telemetry/access-line.ts";
import { lineWriter, type Logger } from "../../telemetry/logger.ts";
import type { GatewayMetrics } from "../../telemetry/metrics.ts";
import { finishRequest } from "../../telemetry/request-facts.ts";
import type { GatewayEnv } from "../context.ts";

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

const ms = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100) / 100);

export function accessLog(logger: Logger, options: AccessLogOptions = {}): MiddlewareHandler<GatewayEnv> {
  const { metrics } = options;
  const apis = options.apis ?? new Map<string, string>();
  const write = lineWriter<AccessLine>(logger, "request", accessLineMembers);
  return async function accessLogMiddleware(c, next) {
    const r = c.get("record");
    const started = performance.now();
    r.startedAt = started;
    const api = c.req.method === "POST" ? apis.get(c.req.path) : undefined;
    if (api !== undefined) r.api = api;
    const counted = metrics !== undefined && api !== undefined;
    if (counted) metrics.requestStarted();
    try {
      await next();
    } finally {
      const done = finishRequest(r, { responseStatus: c.res.status, durationMs: performance.now() - started });
      if (counted) metrics.requestDone(done);
      const line: AccessLine = {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        api: r.api ?? null,
        status: done.status,
        outcome: done.outcome,
        latencyMs: ms(done.durationMs),
        // The fields every line carries (null when they do not apply), so log queries can rely on them.
        keyName: r.keyName ?? null,
        session: c.req.header(SESSION_HEADER)?.slice(0, MAX_SESSION_LENGTH),
        model: r.model,
        servedModel: r.servedModel,
        route: r.route ?? null,
        sensitivity: r.sensitivity,
        complexity: r.complexity,
        provider: r.provider ?? null,
        upstreamModel: r.upstreamModel ?? null,
        fallbacks: r.fallbacks ?? null,
        stream: r.stream,
        cache: r.cache,
        ttftMs: ms(r.ttftMs) ?? null,
        upstreamMs: ms(r.upstreamMs),
        overheadMs: ms(done.overheadMs),
        promptTokens: r.promptTokens ?? null,
        completionTokens: r.completionTokens ?? null,
        costUsd: r.costUsd ?? null,
        warnings: r.warnings,
        error: r.error,
        streamError: r.streamError,
        messages: r.messages,
        input: r.input,
        completion: r.completion,
      };
      if (done.status >= 500 || r.streamError) write("warn", line);
      else if (QUIET_PATHS.has(c.req.path) && done.status < 400) write("debug", line);
      else write("info", line);
    }
  };
}
