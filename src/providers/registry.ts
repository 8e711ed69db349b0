// The one place that maps a provider `type` from providers.yaml to its adapter.
import type { ProviderConfig } from "../config/schema.ts";
import { createAnthropicAdapter } from "./anthropic/index.ts";
import { createAzureAdapter } from "./azure/index.ts";
import { createGeminiAdapter } from "./gemini/index.ts";
import { createOllamaAdapter } from "./ollama/index.ts";
import { createOpenAIAdapter } from "./openai/index.ts";
import type { ProviderAdapter } from "./types.ts";

type Factory<T extends ProviderConfig["type"]> = (id: string, config: Extract<ProviderConfig, { type: T }>) => ProviderAdapter;
type Factories = { [T in ProviderConfig["type"]]?: Factory<T> };

const factories: Factories = {
  openai: createOpenAIAdapter,
  azure: createAzureAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
  ollama: createOllamaAdapter,
};

export function createAdapter(id: string, config: ProviderConfig): ProviderAdapter {
  const factory = factories[config.type] as Factory<typeof config.type> | undefined;
  if (!factory) throw new Error(`provider "${id}": type "${config.type}" is not supported by this build`);
  return factory(id, config);
}
