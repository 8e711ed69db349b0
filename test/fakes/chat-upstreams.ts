// The chat-speaking fakes a translated lane can be served by, each with the provider config that
// points the gateway at it: one list for every test that runs the same case on each of them.
import type { FakeUpstream } from "./fake-upstream.ts";
import { startGeminiFake } from "./gemini.ts";
import { startOllamaFake } from "./ollama.ts";
import { startOpenAIFake } from "./openai.ts";

export interface ChatUpstream {
  readonly name: "OpenAI" | "Gemini" | "Ollama";
  readonly start: () => Promise<FakeUpstream>;
  readonly provider: (origin: string) => Record<string, unknown>;
}

export const OPENAI_UPSTREAM: ChatUpstream = { name: "OpenAI", start: () => startOpenAIFake(), provider: (origin) => ({ type: "openai", base_url: `${origin}/v1` }) };
export const GEMINI_UPSTREAM: ChatUpstream = { name: "Gemini", start: () => startGeminiFake(), provider: (origin) => ({ type: "gemini", api_key: "g-key", base_url: origin }) };
export const OLLAMA_UPSTREAM: ChatUpstream = { name: "Ollama", start: () => startOllamaFake(), provider: (origin) => ({ type: "ollama", base_url: origin }) };

export const CHAT_UPSTREAMS: readonly ChatUpstream[] = [OPENAI_UPSTREAM, GEMINI_UPSTREAM, OLLAMA_UPSTREAM];
