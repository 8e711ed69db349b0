// The chat-speaking fakes a translated lane can be served by, each with the provider config that
// points the gateway at it: one list for every test that runs the same case on each of them, and
// the setup a describe block needs to run its tests through the gateway against one of them.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
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

/** A fake upstream, the gateway in front of it and an Anthropic SDK client of that gateway. */
export interface UpstreamGateway {
  readonly fake: FakeUpstream;
  readonly gw: TestGateway;
  readonly client: Anthropic;
}

/**
 * Registers a describe block's hooks: before all, the upstream's fake, a gateway whose provider
 * `up` is that fake (`config` gives the models and the rest) and a client with `apiKey`; after
 * all, the gateway and the fake stopped; before each, the fake's script and records cleared.
 * The returned fields are read inside the tests, once the hooks have run.
 */
export function gatewayOn(upstream: Pick<ChatUpstream, "start" | "provider">, config: Record<string, unknown>, apiKey = "any"): UpstreamGateway {
  let started: UpstreamGateway | undefined;
  beforeAll(async () => {
    const fake = await upstream.start();
    const gw = await startTestGateway({ providers: { up: upstream.provider(fake.origin) }, ...config });
    started = { fake, gw, client: new Anthropic({ apiKey, baseURL: gw.url, maxRetries: 0, timeout: 30_000 }) };
  });
  afterAll(() => started && stopAll(started.gw, started.fake));
  beforeEach(() => started?.fake.reset());
  const get = (): UpstreamGateway => {
    if (started === undefined) throw new Error("the upstream and the gateway start in beforeAll: read them inside a test");
    return started;
  };
  return {
    get fake() { return get().fake; },
    get gw() { return get().gw; },
    get client() { return get().client; },
  };
}
