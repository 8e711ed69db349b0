// The config's list of provider types that embed (used to refuse embeddings models at load)
// must say what the adapters really do.
import { describe, expect, it } from "vitest";
import { EMBEDDING_PROVIDER_TYPES, providerSchema, type ProviderType } from "../../src/config/schema.ts";
import { createAdapter, loadAdapters } from "../../src/providers/registry.ts";

const configs: Record<ProviderType, unknown> = {
  openai: { type: "openai", base_url: "http://127.0.0.1:1/v1" },
  azure: { type: "azure", api_key: "k", endpoint: "http://127.0.0.1:1" },
  anthropic: { type: "anthropic", api_key: "k", base_url: "http://127.0.0.1:1" },
  gemini: { type: "gemini", api_key: "k", base_url: "http://127.0.0.1:1" },
  ollama: { type: "ollama", base_url: "http://127.0.0.1:1" },
};

describe("EMBEDDING_PROVIDER_TYPES", () => {
  it("lists exactly the provider types whose adapter has embed", async () => {
    const types = Object.keys(configs) as ProviderType[];
    await loadAdapters(types);
    const adapters = types.map((type) => createAdapter(type, providerSchema.parse(configs[type])));
    try {
      const embedding = adapters.filter((a) => typeof a.embed === "function").map((a) => a.id);
      expect(embedding.sort()).toEqual([...EMBEDDING_PROVIDER_TYPES].sort());
      expect(embedding).not.toContain("anthropic");
    } finally {
      await Promise.all(adapters.map((a) => a.close()));
    }
  });
});
