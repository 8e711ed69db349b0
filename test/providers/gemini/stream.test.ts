// Gemini stream events → OpenAI chunks, the pure state machine.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { GeminiResponse, GeminiResponseMeta } from "../../../src/providers/gemini/native.ts";
import { createStreamTranslator } from "../../../src/providers/gemini/stream.ts";
import { thoughtSignatureOf } from "../../../src/providers/gemini/tool-call-id.ts";
import type { ChatCompletionChunk } from "../../../src/providers/types.ts";

const events = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/gemini/${name}`, import.meta.url), "utf8")) as GeminiResponse[];
const meta: GeminiResponseMeta = { id: "chatcmpl-5f5f", created: 1_760_000_123, model: "my-gemini", singleToolCall: false };

function run(list: GeminiResponse[], m: GeminiResponseMeta = meta): { chunks: ChatCompletionChunk[]; complete: boolean } {
  const translator = createStreamTranslator(m);
  const chunks = list.flatMap((e) => translator.push(e));
  const end = translator.finish();
  return { chunks: [...chunks, ...end.chunks], complete: end.complete };
}

/** Each chunk as [choice index, delta, finish_reason], or ["usage", usage]. */
const shape = (chunks: ChatCompletionChunk[]) =>
  chunks.map((c) => (c.choices.length === 0 ? ["usage", c.usage] : [c.choices[0]?.index, c.choices[0]?.delta, c.choices[0]?.finish_reason]));

describe("createStreamTranslator", () => {
  it("emits the role, the text deltas, the finish_reason, then the last usage only", () => {
    const { chunks, complete } = run(events("stream-text.json"));
    expect(complete).toBe(true);
    expect(shape(chunks)).toEqual([
      [0, { role: "assistant", content: "" }, null],
      [0, { content: "Ça va" }, null],
      [0, { content: " bien, merci ! Et toi ? 😊" }, null],
      [0, {}, "stop"],
      ["usage", { prompt_tokens: 6, completion_tokens: 12, total_tokens: 18 }],
    ]);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: "chatcmpl-5f5f", object: "chat.completion.chunk", created: 1_760_000_123, model: "my-gemini" });
    }
  });

  it("streams each function call as an id/name delta then its arguments, and ends with tool_calls", () => {
    const { chunks } = run(events("stream-function-call.json"));
    expect(shape(chunks)).toEqual([
      [0, { role: "assistant", content: "" }, null],
      [0, { content: "Checking both cities." }, null],
      [0, { tool_calls: [{ index: 0, id: expect.stringMatching(/^call_5f5f_0_0__ts_/), type: "function", function: { name: "get_weather", arguments: "" } }] }, null],
      [0, { tool_calls: [{ index: 0, function: { arguments: '{"city":"Tōkyō"}' } }] }, null],
      [0, { tool_calls: [{ index: 1, id: "call_5f5f_0_1", type: "function", function: { name: "get_weather", arguments: "" } }] }, null],
      [0, { tool_calls: [{ index: 1, function: { arguments: '{"city":"Lima"}' } }] }, null],
      [0, {}, "tool_calls"],
      ["usage", { prompt_tokens: 64, completion_tokens: 87, total_tokens: 151, completion_tokens_details: { reasoning_tokens: 57 } }],
    ]);
    const first = chunks[2]?.choices[0]?.delta.tool_calls?.[0]?.id ?? "";
    expect(thoughtSignatureOf(first)).toBe("CvMBAcu98PCr/9o+3n0Hm1k4bJvd0dA=");
  });

  it("drops calls after the first when parallel tool calls were turned off", () => {
    const { chunks } = run(events("stream-function-call.json"), { ...meta, singleToolCall: true });
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.map((d) => d.index)).toEqual([0, 0]);
  });

  it("leaves thought summaries and signature-only parts out, and maps MAX_TOKENS to length", () => {
    const { chunks } = run(events("stream-thinking.json"));
    expect(shape(chunks)).toEqual([
      [0, { role: "assistant", content: "" }, null],
      [0, { content: "Old pond, frog leaps in—" }, null],
      [0, { content: "\nthe sound of water." }, null],
      [0, {}, "length"],
      ["usage", { prompt_tokens: 9, completion_tokens: 65, total_tokens: 74, completion_tokens_details: { reasoning_tokens: 52 } }],
    ]);
  });

  it("ends a blocked prompt with content_filter", () => {
    const { chunks, complete } = run(events("stream-prompt-blocked.json"));
    expect(complete).toBe(true);
    expect(shape(chunks)).toEqual([
      [0, { role: "assistant", content: "" }, null],
      [0, {}, "content_filter"],
      ["usage", { prompt_tokens: 14, completion_tokens: 0, total_tokens: 14 }],
    ]);
  });

  it("keeps candidates apart as choices", () => {
    const { chunks } = run(events("stream-candidates.json"));
    expect(shape(chunks)).toEqual([
      [0, { role: "assistant", content: "" }, null],
      [0, { content: "Red" }, null],
      [1, { role: "assistant", content: "" }, null],
      [1, { content: "Green" }, null],
      [0, { content: "." }, null],
      [1, { content: "!" }, null],
      [0, {}, "stop"],
      [1, {}, "stop"],
      ["usage", { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 }],
    ]);
  });

  it("reports a stream that ended before its finish reason as incomplete", () => {
    const truncated = events("stream-text.json").slice(0, 2);
    const translator = createStreamTranslator(meta);
    const pushed = truncated.flatMap((e) => translator.push(e));
    expect(pushed).toHaveLength(3);
    expect(translator.finish()).toEqual({ chunks: [], complete: false });
  });

  it("reports an empty stream as incomplete", () => {
    expect(run([])).toEqual({ chunks: [], complete: false });
  });

  it("finishes an empty answer with stop and no content delta", () => {
    const [last] = events("stream-text.json").slice(-1);
    expect(shape(run([last!]).chunks)).toEqual([
      [0, { role: "assistant", content: "" }, null],
      [0, {}, "stop"],
      ["usage", { prompt_tokens: 6, completion_tokens: 12, total_tokens: 18 }],
    ]);
  });

  it("emits no usage chunk when Gemini reported none", () => {
    const list = events("stream-text.json").map(({ usageMetadata: _usage, ...rest }) => rest);
    expect(run(list).chunks.filter((c) => c.choices.length === 0)).toEqual([]);
  });
});
