// Liveness and readiness. /ready is false until at least one provider can serve.
import type { Handler } from "hono";
import type { RuntimeSource } from "../../runtime.ts";
import type { GatewayEnv } from "../context.ts";

export function health(): Handler<GatewayEnv> {
  return function healthHandler(c) {
    return c.json({ status: "ok" });
  };
}

export function ready(source: RuntimeSource, isShuttingDown: () => boolean): Handler<GatewayEnv> {
  return function readyHandler(c) {
    const { config, adapters } = source.current;
    const usable = [...config.providers.values()].filter((p) => !p.disabled && adapters.has(p.id)).map((p) => p.id);
    const checks = { config: true, providers: usable.length > 0, shutting_down: isShuttingDown() };
    const ok = checks.providers && !checks.shutting_down;
    return c.json({ status: ok ? "ready" : "not_ready", checks, providers: usable }, ok ? 200 : 503);
  };
}
