// Liveness and readiness. /ready is false until at least one provider can serve, and while
// any registered readiness check (e.g. the Redis rate-limit store) fails.
import type { Handler } from "hono";
import type { RuntimeSource } from "../../runtime.ts";
import { runReadinessChecks, type ReadinessCheck } from "../../telemetry/readiness.ts";
import { UpstreamError, type UpstreamFailure } from "../../providers/errors.ts";
import type { GatewayEnv } from "../context.ts";
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

interface Probe {
  at: number;
  ok: boolean;
  models?: number;
  /** What kind of failure (see failureKind); the upstream's own text is in `message`. */
  error?: string;
  message?: string;
  latencyMs: number;
}

const PROBE_TTL_MS = 15_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * GET /health/providers: per provider, whether it is enabled, its breaker state, last error and
 * latency, and a live model-list probe (cached briefly so dashboards polling it do not hammer
 * the upstreams). The route needs no key, so errors show as kinds (`timeout`, `connection`,
 * `http_5xx`, `rate_limited`, ...); their text, secrets redacted, only to a request carrying the
 * metrics token (`server.metrics.token`), since an upstream's error text can name hosts or echo
 * what it was sent.
 */
export function providersHealth(source: RuntimeSource, metricsToken: string | undefined): Handler<GatewayEnv> {
  const probes = new Map<string, Probe>();
  const operator = metricsToken === undefined ? () => false : bearerGuard(metricsToken);
  const probe = async (id: string, list: (signal: AbortSignal) => Promise<string[]>): Promise<Probe> => {
    const cached = probes.get(id);
    if (cached && Date.now() - cached.at < PROBE_TTL_MS) return cached;
    const started = performance.now();
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    const result: Probe = await list(signal).then(
      (models) => ({ at: Date.now(), ok: true, models: models.length, latencyMs: Math.round(performance.now() - started) }),
      (error: unknown) => ({
        at: Date.now(),
        ok: false,
        error: signal.aborted ? "timeout" : error instanceof UpstreamError ? failureKind(error.failure, error.status) : "invalid_response",
        message: error instanceof Error ? error.message : String(error),
        latencyMs: Math.round(performance.now() - started),
      }),
    );
    probes.set(id, result);
    return result;
  };

  return async function providersHealthHandler(c) {
    const { config, adapters, breakers, unavailable, redact } = source.current;
    const detailed = operator(c.req.header("authorization"));
    const providers = await Promise.all(
      [...config.providers.values()].map(async (p) => {
        const adapter = adapters.get(p.id);
        const health = breakers.health(p.id);
        const { at: _at, message, ...check } = adapter ? await probe(p.id, (signal) => adapter.listModels(signal)) : { at: 0, message: undefined };
        const last = health?.lastError;
        return {
          id: p.id,
          type: p.settings.type,
          enabled: adapter !== undefined,
          ...(unavailable.has(p.id) ? { reason: redact(unavailable.get(p.id) ?? "") } : {}),
          breaker: health?.state ?? "closed",
          last_error: last
            ? { kind: failureKind(last.failure, last.status), status: last.status, at: last.at, ...(detailed ? { message: redact(last.message) } : {}) }
            : null,
          last_latency_ms: health?.lastLatencyMs ?? null,
          ...(adapter ? { check: { ...check, ...(detailed && message !== undefined ? { message: redact(message) } : {}) } } : {}),
        };
      }),
    );
    const healthy = providers.some((p) => p.enabled && p.breaker !== "open");
    return c.json({ status: healthy ? "ok" : "degraded", providers }, healthy ? 200 : 503);
  };
}

/** A bounded name for what went wrong with an upstream call: the failure kind, or the HTTP class. */
export function failureKind(failure: UpstreamFailure, status: number): string {
  if (failure !== "http") return failure;
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth_failed";
  return status >= 500 ? "http_5xx" : "http_4xx";
}
