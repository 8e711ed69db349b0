import { describe, expect, it } from "vitest";
import { toolCallId } from "../../../src/providers/ollama/response.ts";
import { createStreamTranslator, IncompleteStreamError } from "../../../src/providers/ollama/stream.ts";
import type { ChatCompletionChunk } from "../../../src/providers/types.ts";
import { streamLines } from "./fixtures.ts";

const ctx = { id: "chatcmpl-stream1", created: 1_748_856_000, model: "llama" };

function run(name: string): ChatCompletionChunk[] {
  const translator = createStreamTranslator(ctx);
  const chunks = streamLines(name).flatMap((line) => translator.push(line));
  return [...chunks, ...translator.finish()];
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta);
const finishes = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.finish_reason);

describe("createStreamTranslator", () => {
  it("streams role, text deltas, the finish chunk and a final usage chunk", () => {
    const chunks = run("stream-text");
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      { content: "Grüße" },
      { content: " aus" },
      { content: " 東京" },
      { content: " 🗼!" },
      {},
      undefined,
    ]);
    expect(finishes(chunks)).toEqual([null, null, null, null, null, "stop", undefined]);
    expect(chunks.at(-1)).toEqual({
      id: ctx.id,
      object: "chat.completion.chunk",
      created: ctx.created,
      model: "llama",
      choices: [],
      usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 },
    });
  });

  it("gives every chunk one id, created and the public model", () => {
    for (const chunk of run("stream-text-then-tool-calls")) {
      expect(chunk).toMatchObject({ id: ctx.id, object: "chat.completion.chunk", created: ctx.created, model: "llama" });
    }
  });

  it("turns whole tool calls into index/id/name deltas then argument deltas, leaves thinking out, and finishes with tool_calls", () => {
    const chunks = run("stream-thinking-tool-calls");
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      { tool_calls: [{ index: 0, id: toolCallId(ctx.id, 0), type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: toolCallId(ctx.id, 1), type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":"Tokyo"}' } }] },
      {},
      undefined,
    ]);
    expect(finishes(chunks).at(-2)).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 190, completion_tokens: 58, total_tokens: 248 });
  });

  it("numbers parallel calls sent in one line and keeps the text before them", () => {
    const chunks = run("stream-text-then-tool-calls");
    const toolDeltas = deltas(chunks).flatMap((d) => d?.tool_calls ?? []);
    expect(toolDeltas.map((d) => [d.index, d.id !== undefined])).toEqual([
      [0, true],
      [0, false],
      [1, true],
      [1, false],
    ]);
    expect(deltas(chunks).slice(1, 3)).toEqual([{ content: "Checking" }, { content: " both." }]);
    expect(finishes(chunks).at(-2)).toBe("tool_calls");
  });

  it("maps done_reason length", () => {
    expect(finishes(run("stream-length")).at(-2)).toBe("length");
  });

  it("refuses to finish a stream that never sent its final line", () => {
    const translator = createStreamTranslator(ctx);
    const chunks = streamLines("stream-truncated").flatMap((line) => translator.push(line));
    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, { content: "This answer" }, { content: " stops" }]);
    expect(translator.done).toBe(false);
    expect(() => translator.finish()).toThrow(IncompleteStreamError);
  });

  it("counts usage once and ignores anything after the final line", () => {
    const translator = createStreamTranslator(ctx);
    const lines = streamLines("stream-length");
    for (const line of lines) translator.push(line);
    expect(translator.done).toBe(true);
    expect(translator.push(lines.at(-1)!)).toEqual([]);
    const usageChunks = translator.finish().filter((c) => c.usage);
    expect(usageChunks).toHaveLength(1);
    expect(usageChunks[0]?.usage).toEqual({ prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 });
  });

  it("sends no usage chunk when Ollama reported no counts", () => {
    const translator = createStreamTranslator(ctx);
    translator.push({ message: { role: "assistant", content: "" }, done: true, done_reason: "stop" });
    const out = translator.finish();
    expect(out).toHaveLength(1);
    expect(out[0]?.choices[0]?.finish_reason).toBe("stop");
  });
});
