// The Vercel AI SDK's default OpenAI provider speaks the Responses API with `store: true`, and on
// a second turn sends its earlier assistant output as `item_reference` items: the gateway
// resolves them from its store for a translated upstream.
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText, type ModelMessage } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

interface AnthropicBody {
  system?: unknown;
  messages: { role: string; content: unknown }[];
}

describe("Vercel AI SDK on /v1/responses", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startAnthropicFake();
    gw = await startTestGateway({
      providers: { claude: { type: "anthropic", api_key: "sk-ant", base_url: fake.origin } },
      models: { sonnet: { targets: [{ provider: "claude", model: "claude-sonnet-4-6" }] } },
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, fake));
  beforeEach(() => fake.reset());

  const model = () => createOpenAI({ baseURL: gw.baseURL, apiKey: "sk-test" })("sonnet");
  const textOf = (content: unknown) => JSON.stringify(content);

  it("generateText over two turns: the second turn's item_reference reaches the upstream as the earlier answer", async () => {
    fake.script({ reply: { text: "Hello Ada, nice to meet you." } }, { reply: { text: "Your name is Ada." } });
    const first = await generateText({ model: model(), system: "Be brief.", prompt: "My name is Ada." });
    expect(first.text).toBe("Hello Ada, nice to meet you.");
    const firstRequest = (fake.lastChat.body as AnthropicBody);
    expect(textOf(firstRequest.system)).toContain("Be brief.");

    const messages: ModelMessage[] = [{ role: "user", content: "My name is Ada." }, ...first.response.messages, { role: "user", content: "What is my name?" }];
    const second = await generateText({ model: model(), messages });
    expect(second.text).toBe("Your name is Ada.");
    const sent = (fake.lastChat.body as AnthropicBody).messages;
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(textOf(sent[1]?.content)).toContain("Hello Ada, nice to meet you.");
  });

  it("streamText over two turns", async () => {
    fake.script({ reply: { text: "Streaming one." } }, { reply: { text: "Streaming two." } });
    const first = streamText({ model: model(), prompt: "Say one." });
    expect(await first.text).toBe("Streaming one.");
    const messages: ModelMessage[] = [{ role: "user", content: "Say one." }, ...(await first.response).messages, { role: "user", content: "Say two." }];
    const second = streamText({ model: model(), messages });
    expect(await second.text).toBe("Streaming two.");
    const sent = (fake.lastChat.body as AnthropicBody).messages;
    expect(textOf(sent[1]?.content)).toContain("Streaming one.");
  });
});
