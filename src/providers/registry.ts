// The one place that maps a provider `type` from providers.yaml to its adapter. Adapter
// modules (and the SDKs behind them) are imported only for the types a config uses: loading
// every SDK up front more than doubled the gateway's cold start.
import type { ProviderConfig } from "../config/schema.ts";
import type { ProviderAdapter } from "./types.ts";

type ProviderType = ProviderConfig["type"];
type Factory<T extends ProviderType> = (id: string, config: Extract<ProviderConfig, { type: T }>) => ProviderAdapter;

const loaders: { [T in ProviderType]: () => Promise<Factory<T>> } = {
  openai: async () => (await import("./openai/index.ts")).createOpenAIAdapter,
  azure: async () => (await import("./azure/index.ts")).createAzureAdapter,
  anthropic: async () => (await import("./anthropic/index.ts")).createAnthropicAdapter,
  gemini: async () => (await import("./gemini/index.ts")).createGeminiAdapter,
  ollama: async () => (await import("./ollama/index.ts")).createOllamaAdapter,
};

const loaded = new Map<ProviderType, Factory<ProviderType>>();

/** Imports the adapters of these provider types; call before building a runtime that uses them. */
export async function loadAdapters(types: Iterable<ProviderType>): Promise<void> {
  await Promise.all(
    [...new Set(types)].filter((t) => !loaded.has(t)).map(async (type) => {
      loaded.set(type, (await loaders[type]()) as Factory<ProviderType>);
    }),
  );
}

export function createAdapter(id: string, config: ProviderConfig): ProviderAdapter {
  const factory = loaded.get(config.type);
  if (!factory) throw new Error(`provider "${id}": the ${config.type} adapter is not loaded`);
  return factory(id, config);
}
