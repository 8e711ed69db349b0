// What operators see of each configured provider: enabled or why not, breaker state, last
// error and latency, and a live model-list probe. Shared by GET /health/providers and the
// status page; the probe result is cached briefly so pages and dashboards polling both do
// not hammer the upstreams.
import { UpstreamError, type UpstreamFailure } from "../providers/errors.ts";
import type { RuntimeSource } from "../runtime.ts";

export interface ModelListCheck {
  readonly ok: boolean;
  readonly models?: number;
  /** What kind of failure (see failureKind). */
  readonly error?: string;
  /** The upstream's own text, secrets redacted; only in detailed reports. */
  readonly message?: string;
  readonly latencyMs: number;
}

export interface ProviderReport {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly reason?: string;
  readonly breaker: "closed" | "half_open" | "open";
  readonly last_error: { kind: string; status: number; at: string; message?: string } | null;
  readonly last_latency_ms: number | null;
  readonly check?: ModelListCheck;
}

/**
 * Reports for every provider of the current config. `detailed` adds error texts (secrets
 * redacted): only for a request carrying the operator token, since an upstream's error text
 * can name hosts or echo what it was sent.
 */
export type ProviderReports = (detailed: boolean) => Promise<ProviderReport[]>;

interface Probe {
  at: number;
  ok: boolean;
  models?: number;
  error?: string;
  message?: string;
  latencyMs: number;
}

const PROBE_TTL_MS = 15_000;
const PROBE_TIMEOUT_MS = 3_000;

export function providerReports(source: RuntimeSource): ProviderReports {
  const probes = new Map<string, Probe>();
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

  return async function reports(detailed) {
    const { config, adapters, breakers, unavailable, redact } = source.current;
    return Promise.all(
      [...config.providers.values()].map(async (p): Promise<ProviderReport> => {
        const adapter = adapters.get(p.id);
        const health = breakers.health(p.id);
        const probed = adapter ? await probe(p.id, (signal) => adapter.listModels(signal)) : undefined;
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
          ...(probed ? { check: modelListCheck(probed, detailed ? redact : undefined) } : {}),
        };
      }),
    );
  };
}

function modelListCheck({ at: _at, message, ...check }: Probe, redact: ((text: string) => string) | undefined): ModelListCheck {
  return redact && message !== undefined ? { ...check, message: redact(message) } : check;
}

/** A bounded name for what went wrong with an upstream call: the failure kind, or the HTTP class. */
export function failureKind(failure: UpstreamFailure, status: number): string {
  if (failure !== "http") return failure;
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth_failed";
  return status >= 500 ? "http_5xx" : "http_4xx";
}
