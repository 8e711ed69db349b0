import { describe, expect, it } from "vitest";
import { finishReason, toChatCompletion, toolCallId } from "../../../src/providers/ollama/response.ts";
import { chatResponse } from "./fixtures.ts";

const ctx = { id: "chatcmpl-abc123", created: 1_748_855_671, model: "llama" };

describe("toChatCompletion", () => {
  it("translates a text answer with usage", () => {
    expect(toChatCompletion(chatResponse("chat-text"), ctx)).toEqual({
      id: "chatcmpl-abc123",
      object: "chat.completion",
      created: 1_748_855_671,
      model: "llama",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content:
              "The sky looks blue because air molecules scatter short (blue) wavelengths of sunlight far more than long (red) ones.",
            refusal: null,
          },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 26, completion_tokens: 31, total_tokens: 57 },
    });
  });

  it("turns parallel tool calls into OpenAI tool_calls with JSON-string arguments and stable ids; finish is tool_calls despite done_reason stop", () => {
    const completion = toChatCompletion(chatResponse("chat-tool-calls"), ctx);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: toolCallId(ctx.id, 0), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: toolCallId(ctx.id, 1), type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo","unit":"celsius"}' } },
    ]);
    // thinking is not part of a Chat Completion
    expect(JSON.stringify(completion)).not.toContain("two cities");
    expect(completion.usage).toEqual({ prompt_tokens: 187, completion_tokens: 64, total_tokens: 251 });
  });

  it("keeps an id Ollama sent, nested arguments, and text next to the call", () => {
    const choice = toChatCompletion(chatResponse("chat-tool-call-with-id"), ctx).choices[0]!;
    expect(choice.message.content).toBe("Let me look that up.");
    expect(choice.message.tool_calls).toEqual([
      {
        id: "call_k2x9w1ab",
        type: "function",
        function: { name: "search_docs", arguments: '{"query":"rate limits","filters":{"section":["api","limits"]},"top_k":3}' },
      },
    ]);
    expect(choice.finish_reason).toBe("tool_calls");
  });

  it("maps done_reason length to length", () => {
    const completion = toChatCompletion(chatResponse("chat-length"), ctx);
    expect(completion.choices[0]!.finish_reason).toBe("length");
    expect(completion.choices[0]!.message.content).toBe("Once upon a time, in a valley between two");
  });

  it("passes JSON-mode output through as content", () => {
    const content = toChatCompletion(chatResponse("chat-json-mode"), ctx).choices[0]!.message.content;
    expect(JSON.parse(content ?? "")).toEqual({ age: 22, available: false });
  });

  it("keeps unicode intact and leaves thinking out", () => {
    const completion = toChatCompletion(chatResponse("chat-unicode"), ctx);
    expect(completion.choices[0]!.message.content).toBe("こんにちは！Grüße aus Zürich 🇨🇭 — «ça va?» 👋🏽\n\u2028done");
    expect(JSON.stringify(completion)).not.toContain("Greet in several languages");
  });

  it("answers empty content with an empty string, not null", () => {
    const choice = toChatCompletion(chatResponse("chat-empty"), ctx).choices[0]!;
    expect(choice.message.content).toBe("");
    expect(choice.finish_reason).toBe("stop");
  });

  it("omits usage when Ollama reported no counts and treats other done reasons as stop", () => {
    const completion = toChatCompletion(chatResponse("chat-load"), ctx);
    expect(completion).not.toHaveProperty("usage");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
  });
});

describe("toolCallId and finishReason", () => {
  it("derives ids that are stable per response and position and differ otherwise", () => {
    expect(toolCallId("chatcmpl-a", 0)).toBe(toolCallId("chatcmpl-a", 0));
    expect(toolCallId("chatcmpl-a", 0)).not.toBe(toolCallId("chatcmpl-a", 1));
    expect(toolCallId("chatcmpl-a", 0)).not.toBe(toolCallId("chatcmpl-b", 0));
    expect(toolCallId("chatcmpl-a", 0)).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it("maps every done reason", () => {
    expect(finishReason("stop", false)).toBe("stop");
    expect(finishReason("length", false)).toBe("length");
    expect(finishReason("stop", true)).toBe("tool_calls");
    expect(finishReason("unload", false)).toBe("stop");
    expect(finishReason(undefined, false)).toBe("stop");
  });
});
