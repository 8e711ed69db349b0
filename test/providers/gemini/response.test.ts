// Gemini generateContent response → OpenAI ChatCompletion, pure.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { GeminiResponse, GeminiResponseMeta } from "../../../src/providers/gemini/native.ts";
import { toChatCompletion } from "../../../src/providers/gemini/response.ts";
import { thoughtSignatureOf } from "../../../src/providers/gemini/tool-call-id.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/gemini/${name}`, import.meta.url), "utf8")) as GeminiResponse;
const meta: GeminiResponseMeta = { id: "chatcmpl-0a1b2c", created: 1_760_000_000, model: "my-gemini", singleToolCall: false };

describe("toChatCompletion", () => {
  it("translates a text answer with the public model name, dropping Gemini-only fields", () => {
    expect(toChatCompletion(fixture("generate-text.json"), meta)).toEqual({
      id: "chatcmpl-0a1b2c",
      object: "chat.completion",
      created: 1_760_000_000,
      model: "my-gemini",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Der Eiffelturm ist 330 m hoch — etwa so hoch wie ein 81-stöckiges Gebäude. 🗼",
            refusal: null,
          },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      // Thinking tokens are output tokens: 24 answer + 36 thinking.
      usage: { prompt_tokens: 15, completion_tokens: 60, total_tokens: 75, completion_tokens_details: { reasoning_tokens: 36 } },
    });
  });

  it("turns parallel function calls into tool_calls, finish_reason tool_calls despite Gemini's STOP", () => {
    const completion = toChatCompletion(fixture("generate-function-calls.json"), meta);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toEqual([
      { id: expect.stringMatching(/^call_0a1b2c_0_0__ts_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: "call_0a1b2c_0_1", type: "function", function: { name: "get_weather", arguments: '{"city":"London","unit":"celsius"}' } },
    ]);
    expect(thoughtSignatureOf(calls[0]!.id)).toBe("Ev0CAdHtim/+aVQk3l2MjGxQm8hyDQl0n9zL3kU2nq7pB2cJ+1f0xw==");
    expect(thoughtSignatureOf(calls[1]!.id)).toBeUndefined();
    expect(completion.usage).toMatchObject({ prompt_tokens: 71, completion_tokens: 130, total_tokens: 201 });
  });

  it("generates the same ids for the same response", () => {
    const a = toChatCompletion(fixture("generate-function-calls.json"), meta).choices[0]?.message.tool_calls;
    const b = toChatCompletion(fixture("generate-function-calls.json"), meta).choices[0]?.message.tool_calls;
    expect(a).toEqual(b);
  });

  it("keeps text that comes with a call, and unicode in arguments", () => {
    const choice = toChatCompletion(fixture("generate-text-and-call.json"), meta).choices[0]!;
    expect(choice.message.content).toBe("Let me look that up.");
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0];
    expect(call?.type === "function" ? JSON.parse(call.function.arguments) : undefined).toEqual({ query: "Zürich Öffnungszeiten", limit: 3 });
  });

  it("keeps only the first call when parallel tool calls were turned off", () => {
    const calls = toChatCompletion(fixture("generate-function-calls.json"), { ...meta, singleToolCall: true }).choices[0]?.message.tool_calls;
    expect(calls?.map((c) => c.id.split("__")[0])).toEqual(["call_0a1b2c_0_0"]);
  });

  it("maps MAX_TOKENS to length", () => {
    const choice = toChatCompletion(fixture("generate-max-tokens.json"), meta).choices[0]!;
    expect(choice).toMatchObject({ finish_reason: "length", message: { content: "Once upon a time, in a land far" } });
  });

  it("maps a candidate stopped by SAFETY to content_filter with no content", () => {
    const completion = toChatCompletion(fixture("generate-safety.json"), meta);
    expect(completion.choices).toEqual([
      { index: 0, message: { role: "assistant", content: null, refusal: null }, logprobs: null, finish_reason: "content_filter" },
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 0, total_tokens: 12 });
  });

  it("maps a blocked prompt (no candidates) to one content_filter choice", () => {
    const completion = toChatCompletion(fixture("generate-prompt-blocked.json"), meta);
    expect(completion.choices).toEqual([
      { index: 0, message: { role: "assistant", content: null, refusal: null }, logprobs: null, finish_reason: "content_filter" },
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 8, completion_tokens: 0, total_tokens: 8 });
  });

  it("maps every candidate to a choice", () => {
    const choices = toChatCompletion(fixture("generate-candidates.json"), meta).choices;
    expect(choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "Blue.", "stop"],
      [1, "Azure, on a clear day.", "stop"],
    ]);
  });

  it("leaves thought summaries out of the answer and reports cached and reasoning tokens", () => {
    const completion = toChatCompletion(fixture("generate-thought-summary.json"), meta);
    expect(completion.choices[0]?.message.content).toBe("17 × 23 = 391.");
    expect(completion.usage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 112,
      total_tokens: 123,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 104 },
    });
  });

  it("returns an empty answer as empty content", () => {
    const choice = toChatCompletion(fixture("generate-empty.json"), meta).choices[0]!;
    expect(choice).toMatchObject({ finish_reason: "stop", message: { content: "" } });
    expect(choice.message.tool_calls).toBeUndefined();
  });

  it.each([
    ["STOP", "stop"],
    ["MAX_TOKENS", "length"],
    ["SAFETY", "content_filter"],
    ["RECITATION", "content_filter"],
    ["BLOCKLIST", "content_filter"],
    ["PROHIBITED_CONTENT", "content_filter"],
    ["SPII", "content_filter"],
    ["IMAGE_SAFETY", "content_filter"],
    ["LANGUAGE", "stop"],
    ["OTHER", "stop"],
    ["MALFORMED_FUNCTION_CALL", "stop"],
    ["FINISH_REASON_UNSPECIFIED", "stop"],
  ])("maps finishReason %s to %s", (gemini, openai) => {
    const res = fixture("generate-max-tokens.json");
    res.candidates![0]!.finishReason = gemini;
    expect(toChatCompletion(res, meta).choices[0]?.finish_reason).toBe(openai);
  });

  it("reports no usage when Gemini reported none", () => {
    const res = fixture("generate-text.json");
    delete res.usageMetadata;
    expect(toChatCompletion(res, meta).usage).toBeUndefined();
  });
});
