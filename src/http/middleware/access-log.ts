// One JSON line per request, written when the response (stream included) is over. Never the
// prompt, never a key.
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../telemetry/logger.ts";
import type { GatewayEnv } from "../context.ts";

export function accessLog(logger: Logger): MiddlewareHandler<GatewayEnv> {
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    const log = logger.child({ requestId: c.var.requestId });
    c.set("log", log);
    try {
      await next();
    } finally {
      const r = c.var.record;
      const status = r.status ?? c.res.status;
      const line = {
        method: c.req.method,
        path: c.req.path,
        status,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        keyName: r.keyName,
        model: r.model,
        servedModel: r.servedModel,
        route: r.route,
        sensitivity: r.sensitivity,
        complexity: r.complexity,
        provider: r.provider,
        upstreamModel: r.upstreamModel,
        fallbacks: r.fallbacks,
        stream: r.stream,
        ttftMs: r.ttftMs,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        error: r.error,
        streamError: r.streamError,
      };
      if (status >= 500 || r.streamError) log.warn(line, "request");
      else log.info(line, "request");
    }
  };
}
