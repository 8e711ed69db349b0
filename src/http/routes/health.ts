// Liveness and readiness. /ready is false until at least one provider can serve, and while
// any registered readiness check (e.g. the Redis rate-limit store) fails.
import type { Handler } from "hono";
import type { RuntimeSource } from "../../runtime.ts";
import { runReadinessChecks, type ReadinessCheck } from "../../telemetry/readiness.ts";
import type { GatewayEnv } from "../context.ts";
import type { ProviderReports } from "../provider-reports.ts";
import { bearerGuard } from "./metrics.ts";

export function health(): Handler<GatewayEnv> {
  return function healthHandler(c) {
    return c.json({ status: "ok" });
  };
}

export function ready(source: RuntimeSource, isShuttingDown: () => boolean, extra: readonly ReadinessCheck[] = []): Handler<GatewayEnv> {
  return async function readyHandler(c) {
    const { config, adapters } = source.current;
    const usable = [...config.providers.values()].filter((p) => !p.disabled && adapters.has(p.id)).map((p) => p.id);
    const more = extra.length > 0 ? await runReadinessChecks(extra) : {};
    const checks = { config: true, providers: usable.length > 0, shutting_down: isShuttingDown(), ...more };
    const ok = checks.providers && !checks.shutting_down && Object.values(more).every(Boolean);
    return c.json({ status: ok ? "ready" : "not_ready", checks, providers: usable }, ok ? 200 : 503);
  };
}

/**
 * GET /health/providers: per provider, whether it is enabled, its breaker state, last error and
 * latency, and a live model-list probe (see provider-reports.ts). The route needs no key, so
 * errors show as kinds (`timeout`, `connection`, `http_5xx`, `rate_limited`, ...); their text
 * only to a request carrying the metrics token (`server.metrics.token`).
 */
export function providersHealth(reports: ProviderReports, metricsToken: string | undefined): Handler<GatewayEnv> {
  const operator = metricsToken === undefined ? () => false : bearerGuard(metricsToken);
  return async function providersHealthHandler(c) {
    const providers = await reports(operator(c.req.header("authorization")));
    const healthy = providers.some((p) => p.enabled && p.breaker !== "open");
    return c.json({ status: healthy ? "ok" : "degraded", providers }, healthy ? 200 : 503);
  };
}
