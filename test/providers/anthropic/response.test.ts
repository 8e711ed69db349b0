import { describe, expect, it } from "vitest";
import { finishReason, toChatCompletion, toUsage } from "../../../src/providers/anthropic/response.ts";
import { JSON_TOOL_NAME } from "../../../src/providers/anthropic/tools.ts";
import { responseFixture } from "./fixtures.ts";

const ctx = { id: "chatcmpl-test123", created: 1_790_000_000, model: "claude" };
const completion = (name: string, jsonTool?: string) => toChatCompletion(responseFixture(name), { ...ctx, jsonTool });

describe("toChatCompletion", () => {
  it("renders a text answer with the public model, id, created and usage", () => {
    expect(completion("text-unicode")).toEqual({
      id: "chatcmpl-test123",
      object: "chat.completion",
      created: 1_790_000_000,
      model: "claude",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Grüße aus Zürich! 你好，世界 👋 — «ça va?»", refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 21, completion_tokens: 19, total_tokens: 40 },
    });
  });

  it("keeps text next to a tool call and gives JSON-string arguments with the upstream id", () => {
    const choice = completion("tool-use").choices[0];
    expect(choice?.message.content).toBe("I'll check the weather in Paris.");
    expect(choice?.message.tool_calls).toEqual([
      { id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
    ]);
    expect(choice?.finish_reason).toBe("tool_calls");
  });

  it("returns parallel tool calls in order with null content", () => {
    const choice = completion("parallel-tools").choices[0];
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls?.map((c) => (c.type === "function" ? [c.id, c.function.name, JSON.parse(c.function.arguments) as unknown] : []))).toEqual([
      ["toolu_01T1x1", "get_weather", { city: "Paris" }],
      ["toolu_01T1x2", "get_time", { timezone: "Europe/Paris", format: { h24: true } }],
    ]);
    expect(choice?.finish_reason).toBe("tool_calls");
  });

  it.each([
    ["max-tokens", "length"],
    ["context-exceeded", "length"],
    ["stop-sequence", "stop"],
    ["refusal", "content_filter"],
    ["pause-turn", "stop"],
    ["empty", "stop"],
  ])("maps the stop reason of %s to %s", (name, expected) => {
    expect(completion(name).choices[0]?.finish_reason).toBe(expected);
  });

  it("answers an empty message with empty content and no tool calls", () => {
    const message = completion("empty").choices[0]?.message;
    expect(message?.content).toBe("");
    expect(message?.tool_calls).toBeUndefined();
  });

  it("turns the emulated json_object tool back into message content", () => {
    const choice = completion("json-tool", JSON_TOOL_NAME).choices[0];
    expect(choice?.message.content).toBe('{"name":"Ada","languages":["en","fr"]}');
    expect(choice?.message.tool_calls).toBeUndefined();
    expect(choice?.finish_reason).toBe("stop");
  });

  it("leaves thinking blocks out of the content", () => {
    expect(completion("thinking-then-text").choices[0]?.message.content).toBe("42");
  });

  it("counts cache reads and writes as prompt tokens", () => {
    expect(completion("cached-usage").usage).toEqual({
      prompt_tokens: 2008,
      completion_tokens: 5,
      total_tokens: 2013,
      prompt_tokens_details: { cached_tokens: 1800 },
    });
  });
});

describe("finishReason", () => {
  it("makes any emitted tool call tool_calls, whatever the stop reason", () => {
    expect(finishReason("end_turn", true, false)).toBe("tool_calls");
    expect(finishReason("max_tokens", true, false)).toBe("tool_calls");
    expect(finishReason("tool_use", false, false)).toBe("tool_calls");
    expect(finishReason(null, false, false)).toBe("stop");
  });
});

describe("toUsage", () => {
  it("adds no details without cache reads", () => {
    expect(toUsage({ input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: null, cache_read_input_tokens: null })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
  });
});
