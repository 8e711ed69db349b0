import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { AnthropicStreamTranslator } from "../../../src/providers/anthropic/stream.ts";
import { JSON_TOOL_NAME } from "../../../src/providers/anthropic/tools.ts";
import type { ChatCompletionChunk } from "../../../src/providers/types.ts";
import { streamFixture } from "./fixtures.ts";

const ctx = { provider: "claude-eu", id: "chatcmpl-stream1", created: 1_790_000_000, model: "claude" };

function run(name: string, jsonTool?: string): ChatCompletionChunk[] {
  const translator = new AnthropicStreamTranslator({ ...ctx, jsonTool });
  const chunks = streamFixture(name).flatMap(({ data }) => translator.push(data));
  return [...chunks, ...translator.finish()];
}

function failure(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error("expected an UpstreamError");
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0]?.delta);
const text = (chunks: ChatCompletionChunk[]) => deltas(chunks).map((d) => d?.content ?? "").join("");

describe("AnthropicStreamTranslator", () => {
  it("streams text: role first, deltas, finish_reason, then one usage chunk", () => {
    const chunks = run("text-unicode");
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      { content: "Hello" },
      { content: ", wörld! " },
      { content: "你好 👋" },
      {},
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toEqual({
      id: "chatcmpl-stream1",
      object: "chat.completion.chunk",
      created: 1_790_000_000,
      model: "claude",
      choices: [],
      usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 },
    });
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(["chatcmpl-stream1"]));
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "claude")).toBe(true);
  });

  it("streams parallel tool calls: id and name first, then argument fragments per index", () => {
    const chunks = run("tool-use-parallel");
    const calls = deltas(chunks).flatMap((d) => d?.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: "toolu_01WeatherA", type: "function", function: { name: "get_weather", arguments: "" } });
    expect(calls.find((c) => c.index === 1 && c.id !== undefined)).toEqual({
      index: 1,
      id: "toolu_01TimeB",
      type: "function",
      function: { name: "get_time", arguments: "" },
    });
    const args = (index: number) => calls.filter((c) => c.index === index).map((c) => c.function?.arguments ?? "").join("");
    expect(JSON.parse(args(0))).toEqual({ city: "Paris", unit: "celsius" });
    expect(JSON.parse(args(1))).toEqual({ timezone: "Europe/Paris" });
    // fragments carry no id or name, and the empty opening fragment is not forwarded
    expect(calls.filter((c) => c.id === undefined).every((c) => c.function?.name === undefined && c.function?.arguments !== "")).toBe(true);
    expect(text(chunks)).toBe("Let me look both up.");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
  });

  it("streams the emulated json_object tool as content with finish_reason stop", () => {
    const chunks = run("json-tool", JSON_TOOL_NAME);
    expect(text(chunks)).toBe('{"name": "Ada"}');
    expect(deltas(chunks).some((d) => d?.tool_calls !== undefined)).toBe(false);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it.each([
    ["max-tokens", "length"],
    ["refusal", "content_filter"],
    ["cached-usage", "stop"],
    ["empty", "stop"],
  ])("maps the stop reason of %s to %s", (name, expected) => {
    expect(run(name).at(-2)?.choices[0]?.finish_reason).toBe(expected);
  });

  it("sends role, finish and usage for an empty answer", () => {
    const chunks = run("empty");
    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, {}]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 12, completion_tokens: 0, total_tokens: 12 });
  });

  it("leaves thinking out and keeps the text", () => {
    expect(text(run("thinking"))).toBe("42");
  });

  it("counts usage once: input from message_start, output from message_delta, cache reads included", () => {
    expect(run("cached-usage").at(-1)?.usage).toEqual({
      prompt_tokens: 1808,
      completion_tokens: 5,
      total_tokens: 1813,
      prompt_tokens_details: { cached_tokens: 1800 },
    });
  });

  it("takes message_delta's running input total instead of adding it", () => {
    const translator = new AnthropicStreamTranslator(ctx);
    const events = streamFixture("text-unicode").map(({ data }) => data);
    const out = events.flatMap((event) => {
      if (event.type !== "message_delta") return translator.push(event);
      const withInput = { ...event, usage: { ...(event as { usage: object }).usage, input_tokens: 30 } };
      return translator.push(withInput);
    });
    expect(out.at(-1)?.usage).toEqual({ prompt_tokens: 30, completion_tokens: 15, total_tokens: 45 });
  });

  it("throws a stream failure on an upstream error event, after the chunks already sent", () => {
    const translator = new AnthropicStreamTranslator(ctx);
    const events = streamFixture("error-midstream").map(({ data }) => data);
    const errorEvent = events.pop();
    const sent = events.flatMap((e) => translator.push(e));
    expect(text(sent)).toBe("Partial ");
    const error = failure(() => translator.push(errorEvent ?? { type: "error" }));
    expect(error).toMatchObject({ provider: "claude-eu", status: 502, failure: "stream", retryable: true });
    expect(error.body).toEqual({ message: "Overloaded", type: "overloaded_error" });
  });

  it("throws when the upstream ends before message_stop instead of ending quietly", () => {
    const translator = new AnthropicStreamTranslator(ctx);
    for (const { data } of streamFixture("truncated")) translator.push(data);
    const error = failure(() => translator.finish());
    expect(error.failure).toBe("stream");
    expect(error.message).toMatch(/message_stop/);
  });

  it("ignores pings and unknown event types", () => {
    const translator = new AnthropicStreamTranslator(ctx);
    expect(translator.push({ type: "ping" })).toEqual([]);
    const started = translator.push(streamFixture("empty")[0]?.data ?? { type: "none" });
    expect(started).toHaveLength(1);
    expect(translator.push({ type: "some_future_event" })).toEqual([]);
  });
});
