// Everything built from one config: the adapters, breakers and routing tables a request
// uses. A request takes the current runtime once and keeps it to the end, so a reload never
// changes a request mid-flight.
import type { GatewayConfig } from "./config/types.ts";
import { limiterFromConfig, type LimiterDeps } from "./limits/from-config.ts";
import type { Limiter } from "./limits/limiter.ts";
import { createAdapter } from "./providers/registry.ts";
import type { ProviderAdapter } from "./providers/types.ts";
import { noBreakers, type Breakers } from "./routing/executor.ts";

export interface Runtime {
  readonly config: GatewayConfig;
  readonly adapters: ReadonlyMap<string, ProviderAdapter>;
  readonly breakers: Breakers;
  /** Per-key and per-model rate limits, over the configured store. */
  readonly limiter: Limiter;
  /** Providers that are configured but cannot serve, with the reason a client is told. */
  readonly unavailable: ReadonlyMap<string, string>;
}

/** Where handlers read the runtime that is current when their request starts. */
export interface RuntimeSource {
  readonly current: Runtime;
}

export function createRuntime(
  config: GatewayConfig,
  warn: (message: string) => void = () => {},
  limiterDeps: LimiterDeps = {},
): Runtime {
  const adapters = new Map<string, ProviderAdapter>();
  const unavailable = new Map<string, string>();
  for (const provider of config.providers.values()) {
    if (provider.disabled) {
      unavailable.set(provider.id, provider.disabled);
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
  const limiter = limiterFromConfig(config.raw, limiterDeps);
  return { config, adapters, breakers: noBreakers, limiter, unavailable };
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  const closing = [...runtime.adapters.values()].map((a) => a.close());
  await Promise.allSettled([...closing, runtime.limiter.close()]);
}
