// Liveness and readiness. /ready is false until at least one provider can serve, and while
// any registered readiness check (e.g. the Redis rate-limit store) fails.
import type { Handler } from "hono";
import type { RuntimeSource } from "../../runtime.ts";
import { runReadinessChecks, type ReadinessCheck } from "../../telemetry/readiness.ts";
import type { GatewayEnv } from "../context.ts";

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
