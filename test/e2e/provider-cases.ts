// One entry per provider type: how to start its fake and point a provider at it. The shared
// end-to-end body in providers.test.ts runs against every entry.
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { deploymentOf, startAzureFake } from "../fakes/azure.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
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
    name: "azure",
    startFake: startAzureFake,
    provider: (fake) => ({ type: "azure", api_key: "azure-upstream-key", endpoint: fake.origin, api_version: "2024-10-21" }),
    // No `deployment` configured: the target's model name is the deployment.
    upstreamModel: "gpt-4o-mini-eu",
    // Azure names the deployment in the path: /openai/deployments/{deployment}/chat/completions
    recordedModel: (fake) => deploymentOf(fake.lastChat),
  },
  {
    name: "anthropic",
    startFake: startAnthropicFake,
    provider: (fake) => ({ type: "anthropic", api_key: "sk-ant-upstream", base_url: fake.origin }),
    upstreamModel: "claude-sonnet-4-6",
    recordedModel: (fake) => (fake.lastChat.body as { model?: string }).model,
  },
  {
    name: "gemini",
    startFake: startGeminiFake,
    provider: (fake) => ({ type: "gemini", api_key: "gemini-upstream-key", base_url: fake.origin }),
    upstreamModel: "gemini-2.5-flash",
    // Gemini names the model in the path: /v1beta/models/{model}:generateContent
    recordedModel: (fake) => /\/models\/([^/:]+):/.exec(fake.lastChat.path)?.[1],
  },
  {
    name: "ollama",
    startFake: startOllamaFake,
    provider: (fake) => ({ type: "ollama", base_url: fake.origin }),
    upstreamModel: "llama3.1:8b",
    recordedModel: (fake) => (fake.lastChat.body as { model?: string }).model,
  },
];
