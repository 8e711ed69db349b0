// A failure before any request went out (the request could not be translated or serialised) is
// not the upstream's: the SDK adapters must not report it as an UpstreamError, which the
// executor would retry, fall back on and count against the provider's breaker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicAdapter } from "../../src/providers/anthropic/index.ts";
import { createAzureAdapter } from "../../src/providers/azure/index.ts";
import { UpstreamError } from "../../src/providers/errors.ts";
import { createGeminiAdapter } from "../../src/providers/gemini/index.ts";
import { createOllamaAdapter } from "../../src/providers/ollama/index.ts";
import type { ChatRequest, ProviderAdapter } from "../../src/providers/types.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { startAzureFake } from "../fakes/azure.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { callOptionsWith, closeInOrder, rejectionOf } from "../harness/adapter-calls.ts";

interface Case {
  name: string;
  start(): Promise<FakeUpstream>;
  adapter(fake: FakeUpstream): ProviderAdapter;
  model: string;
}

const cases: Case[] = [
  {
    name: "anthropic",
    start: startAnthropicFake,
    adapter: (fake) => createAnthropicAdapter("claude", { type: "anthropic", api_key: "k", base_url: fake.origin, default_max_tokens: 64, headers: {} }),
    model: "claude-sonnet-4-6",
  },
  {
    name: "azure",
    start: startAzureFake,
    adapter: (fake) => createAzureAdapter("azure", { type: "azure", api_key: "k", endpoint: fake.origin, api_version: "2024-10-21", headers: {} }),
    model: "gpt-4o-mini",
  },
  {
    name: "gemini",
    start: startGeminiFake,
    adapter: (fake) => createGeminiAdapter("gem", { type: "gemini", api_key: "k", base_url: fake.origin, headers: {} }),
    model: "gemini-2.5-flash",
  },
  {
    name: "ollama",
    start: startOllamaFake,
    adapter: (fake) => createOllamaAdapter("local", { type: "ollama", base_url: fake.origin, headers: {} }),
    model: "llama3.1:8b",
  },
];

const call = callOptionsWith({ requestId: "req-1", publicModel: "m" });

describe.each(cases)("$name adapter", (c) => {
  let fake: FakeUpstream;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await c.start();
    adapter = c.adapter(fake);
  });
  afterAll(() => closeInOrder(adapter, fake));

  // Past the validator this cannot arrive; it stands for any bug before the call. JSON cannot
  // hold a BigInt, so the SDK's serialisation throws inside the adapter's call.
  it("does not report a request it could not serialise as an upstream failure", async () => {
    const extra = { stop: [1n] };
    const req = { model: "m", messages: [{ role: "user", content: "hi" }], ...extra } as unknown as ChatRequest;
    for (const stream of [false, true]) {
      const thrown = await rejectionOf(adapter.chat({ ...req, stream }, c.model, call()));
      expect(thrown).not.toBeInstanceOf(UpstreamError);
    }
    expect(fake.chatRequests).toHaveLength(0);
  });
});
