// Everything built from one config: adapters, routing tables and the view of the breakers a
// request uses. A request takes the current runtime once and keeps it to the end, so a reload
// never changes a request mid-flight. Rebuilding reuses the adapters (and so the connection
// pools) and breakers of providers whose settings did not change, and the limiter (its
// counters and store connection) while the limits store settings stay the same.
import type { GatewayConfig } from "./config/types.ts";
import { responseStoreFromConfig, sameResponseStore } from "./dialects/openai-responses/store/from-config.ts";
import type { ResponseStore } from "./dialects/openai-responses/store/response-store.ts";
import { carryLimiter, limiterFromConfig, type LimiterDeps } from "./limits/from-config.ts";
import type { Limiter } from "./limits/limiter.ts";
import { createAdapter } from "./providers/registry.ts";
import type { ProviderAdapter } from "./providers/types.ts";
import type { BreakerRegistry } from "./resilience/breakers.ts";
import type { RetryPolicy } from "./routing/executor.ts";
import { createRouter, type Router } from "./routing/router.ts";
import { configSecrets } from "./config/secrets.ts";
import { secretRedactor, type Redact } from "./telemetry/redact.ts";

export interface Runtime {
  readonly config: GatewayConfig;
  readonly adapters: ReadonlyMap<string, ProviderAdapter>;
  readonly breakers: BreakerRegistry;
  readonly router: Router;
  /** The executor's retry policy, built once from `resilience`. */
  readonly retry: RetryPolicy;
  /** Per-key and per-model rate limits over the configured store. */
  readonly limiter: Limiter;
  /** Providers that are configured but cannot serve, with the reason a client is told. */
  readonly unavailable: ReadonlyMap<string, string>;
  /** Settings fingerprint per provider, to tell what a reload changed. */
  readonly fingerprints: ReadonlyMap<string, string>;
  /** Takes this config's secrets out of text that leaves the process (errors, logs, health). */
  readonly redact: Redact;
  /** Stored Responses, in the limits store's backend; kept across reloads that keep that backend. */
  readonly responses: ResponseStore;
}

/** Where handlers read the runtime that is current when their request starts. */
export interface RuntimeSource {
  readonly current: Runtime;
}

export function createRuntime(
  config: GatewayConfig,
  breakers: BreakerRegistry,
  warn: (message: string) => void = () => {},
  previous?: Runtime,
  limiterDeps: LimiterDeps = {},
): Runtime {
  const adapters = new Map<string, ProviderAdapter>();
  const unavailable = new Map<string, string>();
  const fingerprints = new Map<string, string>();
  for (const provider of config.providers.values()) {
    const fingerprint = JSON.stringify(provider.settings);
    fingerprints.set(provider.id, fingerprint);
    if (provider.disabled) {
      unavailable.set(provider.id, provider.disabled);
      continue;
    }
    const reusable = previous?.fingerprints.get(provider.id) === fingerprint ? previous.adapters.get(provider.id) : undefined;
    if (reusable) {
      adapters.set(provider.id, reusable);
      continue;
    }
    try {
      adapters.set(provider.id, createAdapter(provider.id, provider.settings));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      unavailable.set(provider.id, reason);
      warn(`provider "${provider.id}" is unavailable: ${reason}`);
    }
  }
  breakers.sync(new Map([...fingerprints].filter(([id]) => adapters.has(id))), config.raw.resilience.breaker);
  const limiter =
    carryLimiter(previous && { limiter: previous.limiter, limits: previous.config.raw.limits }, config.raw) ??
    limiterFromConfig(config.raw, limiterDeps);
  const { resilience } = config.raw;
  const retry: RetryPolicy = {
    retries: resilience.retries,
    backoffMs: resilience.backoff_ms,
    maxBackoffMs: resilience.max_backoff_ms,
    retryAfterCapMs: resilience.retry_after_cap_ms,
  };
  const redact = secretRedactor(configSecrets(config.raw));
  const responses =
    previous && sameResponseStore(previous.config.raw, config.raw) ? previous.responses : responseStoreFromConfig(config.raw, (error) => warn(`response store: ${error.message}`));
  return { config, adapters, breakers, router: createRouter(config), retry, limiter, unavailable, fingerprints, redact, responses };
}

/** Adapters (and the response store) of `old` that `next` no longer uses. */
export function retiredAdapters(old: Runtime, next: Runtime): { close(): Promise<void> }[] {
  const adapters = [...old.adapters].filter(([id, adapter]) => next.adapters.get(id) !== adapter).map(([, adapter]) => adapter);
  return old.responses === next.responses ? adapters : [...adapters, old.responses];
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  const closing = [...runtime.adapters.values()].map((a) => a.close());
  await Promise.allSettled([...closing, runtime.limiter.close(), runtime.responses.close()]);
}
