// The OpenAI Agents SDK for JS against the gateway (its base URL and a gateway key, nothing
// else): an agent with a function tool runs a tool round trip and then a second user turn that
// continues from `previousResponseId`, on the translated lane (an Anthropic upstream) and on the
// native lane (an upstream serving /v1/responses), JSON and streamed. What each upstream received
// is checked as well as what the agent got.
import { Agent, Runner, setTracingDisabled, tool } from "@openai/agents";
import { OpenAIProvider } from "@openai/agents-openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { responsesLanesConfig, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

// The SDK exports traces to OpenAI unless told not to; nothing here may leave loopback.
setTracingDisabled(true);

type Json = Record<string, unknown>;

describe("OpenAI Agents SDK through the Responses door", () => {
  let anthropic: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    native = await startOpenAIResponsesFake();
    gw = await startTestGateway(
      responsesLanesConfig({ anthropic, native }, { translated: { name: "agent-claude", model: "claude-sonnet-4-6" }, native: { name: "agent-gpt", model: "gpt-5.1" } }),
    );
  });
  afterAll(() => stopAll(gw, anthropic, native));
  beforeEach(() => {
    anthropic.reset();
    native.reset();
  });

  function weatherAgent(model: string, calls: { city: string }[]) {
    const getWeather = tool({
      name: "get_weather",
      description: "Current weather for a city",
      parameters: z.object({ city: z.string() }),
      execute: ({ city }) => {
        calls.push({ city });
        return `18C and cloudy in ${city}`;
      },
    });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ baseURL: gw.baseURL, apiKey: "sk-test", useResponses: true }), tracingDisabled: true });
    return { runner, agent: new Agent({ name: "Weather", instructions: "Answer weather questions with the tool.", model, tools: [getWeather] }) };
  }

  describe.each([
    { lane: "translated (Anthropic)", model: "agent-claude", fake: () => anthropic },
    { lane: "native", model: "agent-gpt", fake: () => native },
  ])("$lane", ({ model, fake }) => {
    it.each([false, true])("runs a function tool, then continues with previousResponseId (stream: %s)", async (stream) => {
      fake().script(
        { reply: { text: "", toolCalls: [{ id: "toolu_w1", name: "get_weather", arguments: { city: "Paris" } }], usage: { prompt: 40, completion: 12 } } },
        { reply: { text: "It is 18C and cloudy in Paris.", usage: { prompt: 70, completion: 9 } } },
        { reply: { text: "Take an umbrella just in case.", usage: { prompt: 90, completion: 7 } } },
      );
      const calls: { city: string }[] = [];
      const { runner, agent } = weatherAgent(model, calls);

      const first = stream ? await runner.run(agent, "Weather in Paris?", { stream: true }) : await runner.run(agent, "Weather in Paris?");
      if (stream && "completed" in first) {
        for await (const _event of first.toStream()) {
          // drain: the run completes as its events are read
        }
        await first.completed;
      }
      expect(first.finalOutput).toBe("It is 18C and cloudy in Paris.");
      expect(calls).toEqual([{ city: "Paris" }]);
      const upstream = fake().chatRequests;
      expect(upstream).toHaveLength(2);
      expect(upstream.map((req) => (req.body as Json)["stream"] === true)).toEqual([stream, stream]);
      // The first call offered the tool; the second carried the call and its output back.
      expect(upstream[0]?.raw).toContain("get_weather");
      expect(upstream[0]?.raw).toContain("Current weather for a city");
      expect(upstream[1]?.raw).toContain("18C and cloudy in Paris");
      expect(upstream[1]?.raw).toContain("toolu_w1");

      const lastResponseId = first.lastResponseId;
      if (lastResponseId === undefined) throw new Error("the run reported no response id");
      expect(lastResponseId).toMatch(/^resp_/);
      const second = await runner.run(agent, "Should I take an umbrella?", { previousResponseId: lastResponseId });
      expect(second.finalOutput).toBe("Take an umbrella just in case.");
      const third = fake().lastChat;
      if (fake() === native) {
        // The upstream holds the conversation: the id goes up as sent.
        expect((third.body as Json)["previous_response_id"]).toBe(lastResponseId);
        expect(third.path).toBe("/v1/responses");
      } else {
        // The gateway holds it: the whole conversation goes up, rebuilt from its store.
        const messages = (third.body as { messages: { role: string; content: unknown }[] }).messages;
        expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
        expect(JSON.stringify(messages)).toContain("Weather in Paris?");
        expect(JSON.stringify(messages)).toContain("18C and cloudy in Paris");
        expect(JSON.stringify(messages.at(-1))).toContain("Should I take an umbrella?");
      }
    });
  });
});
