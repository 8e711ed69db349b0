// The shared OpenAI completion and chunk shapes the translating adapters emit.
import { describe, expect, it } from "vitest";
import {
  assistantChoice,
  completion,
  deltaChunk,
  finishChunk,
  newResponseMeta,
  roleChunk,
  textChunk,
  toolCallArgumentsChunk,
  toolCallStartChunk,
  usageChunk,
} from "../../src/providers/openai-shapes.ts";

const meta = { id: "chatcmpl-9c1d", created: 1_761_000_000, model: "assistant-large" };
const envelope = { id: "chatcmpl-9c1d", object: "chat.completion.chunk", created: 1_761_000_000, model: "assistant-large" };
const call = { id: "call_weather_1", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Nairobi"}' } };

describe("newResponseMeta", () => {
  it("mints a chatcmpl- id of hex digits and whole seconds", () => {
    const m = newResponseMeta("assistant-large", 1_761_000_000_999);
    expect(m).toEqual({ id: expect.stringMatching(/^chatcmpl-[0-9a-f]{32}$/), created: 1_761_000_000, model: "assistant-large" });
  });

  it("never repeats an id", () => {
    expect(newResponseMeta("m").id).not.toBe(newResponseMeta("m").id);
  });
});

describe("completion", () => {
  it("wraps choices in the chat.completion envelope, with usage when given", () => {
    const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };
    const choice = assistantChoice(0, "Jambo!", [], "stop");
    expect(completion(meta, [choice], usage)).toEqual({
      id: "chatcmpl-9c1d",
      object: "chat.completion",
      created: 1_761_000_000,
      model: "assistant-large",
      choices: [{ index: 0, message: { role: "assistant", content: "Jambo!", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage,
    });
  });

  it("leaves usage out, rather than undefined, when the upstream reported none", () => {
    expect(Object.keys(completion(meta, []))).toEqual(["id", "object", "created", "model", "choices"]);
  });

  it("takes only id, created and model from a richer context", () => {
    const ctx = { ...meta, provider: "claude-eu", jsonTool: "json" };
    const c = completion(ctx, []);
    expect(c).not.toHaveProperty("provider");
    expect(c).not.toHaveProperty("jsonTool");
  });
});

describe("assistantChoice", () => {
  it("gives content null and tool_calls when the answer is only tool calls", () => {
    expect(assistantChoice(0, "", [call], "tool_calls").message).toEqual({ role: "assistant", content: null, refusal: null, tool_calls: [call] });
  });

  it("keeps text next to tool calls", () => {
    expect(assistantChoice(1, "Checking.", [call], "tool_calls")).toMatchObject({ index: 1, message: { content: "Checking.", tool_calls: [call] } });
  });

  it("keeps an empty answer as an empty string, with no tool_calls key", () => {
    const message = assistantChoice(0, "", [], "length").message;
    expect(message.content).toBe("");
    expect(message).not.toHaveProperty("tool_calls");
  });

  it("passes an explicit null content through", () => {
    expect(assistantChoice(0, null, [], "content_filter")).toEqual({
      index: 0,
      message: { role: "assistant", content: null, refusal: null },
      logprobs: null,
      finish_reason: "content_filter",
    });
  });
});

describe("chunks", () => {
  it("builds each delta kind on choice 0 with logprobs null", () => {
    expect([
      roleChunk(meta),
      textChunk(meta, "Ça"),
      toolCallStartChunk(meta, 2, "call_weather_1", "get_weather"),
      toolCallArgumentsChunk(meta, 2, '{"city":'),
      finishChunk(meta, "tool_calls"),
    ]).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: "Ça" }, logprobs: null, finish_reason: null }] },
      {
        ...envelope,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 2, id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: "" } }] },
            logprobs: null,
            finish_reason: null,
          },
        ],
      },
      { ...envelope, choices: [{ index: 0, delta: { tool_calls: [{ index: 2, function: { arguments: '{"city":' } }] }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }] },
    ]);
  });

  it("puts a chunk on the choice its slot names", () => {
    expect(textChunk(meta, "hi", { index: 1 }).choices).toEqual([{ index: 1, delta: { content: "hi" }, logprobs: null, finish_reason: null }]);
    expect(deltaChunk(meta, {}, "stop", { index: 3 }).choices).toEqual([{ index: 3, delta: {}, logprobs: null, finish_reason: "stop" }]);
  });

  it("ends with a usage chunk that has no choices", () => {
    const usage = { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10, completion_tokens_details: { reasoning_tokens: 2 } };
    expect(usageChunk(meta, usage)).toEqual({ ...envelope, choices: [], usage });
  });

  it("keeps the fields of a context out of every chunk", () => {
    const ctx = { ...meta, provider: "claude-eu" };
    expect(roleChunk(ctx)).not.toHaveProperty("provider");
    expect(usageChunk(ctx, { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 })).not.toHaveProperty("provider");
  });
});
