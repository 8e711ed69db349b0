// One entry per provider type: how to start its fake and point a provider at it. The shared
// end-to-end body in providers.test.ts runs against every entry.
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { startOpenAIFake } from "../fakes/openai.ts";

export interface ProviderCase {
  name: string;
  startFake(): Promise<FakeUpstream>;
  /** The providers.yaml entry for a provider served by `fake`. */
  provider(fake: FakeUpstream): Record<string, unknown>;
  /** The upstream model name to configure. */
  upstreamModel: string;
  /** The model name as the fake recorded it for a chat request (path or body). */
  recordedModel(fake: FakeUpstream): string | undefined;
}

export const providerCases: ProviderCase[] = [
  {
    name: "openai",
    startFake: startOpenAIFake,
    provider: (fake) => ({ type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` }),
    upstreamModel: "gpt-4o-mini",
    recordedModel: (fake) => (fake.lastChat.body as { model?: string }).model,
  },
  {
    name: "ollama",
    startFake: startOllamaFake,
    provider: (fake) => ({ type: "ollama", base_url: fake.origin }),
    upstreamModel: "llama3.1:8b",
    recordedModel: (fake) => (fake.lastChat.body as { model?: string }).model,
  },
];
