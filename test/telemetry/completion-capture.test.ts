// Reading the completion text for body logging, from each result kind, without changing it.
import { describe, expect, it } from "vitest";
import { captureCompletion, sseContent } from "../../src/telemetry/completion-capture.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatResult } from "../../src/providers/types.ts";

const completion: ChatCompletion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there.", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
};

const chunk = (content: string | undefined, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: content === undefined ? {} : { content }, logprobs: null, finish_reason: null }],
  ...extra,
});

const sse = [
  'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\ndata: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"del',
  'ta":{"content":"lo"}}]}\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n',
  "data: [DONE]\n\n",
];

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("captureCompletion", () => {
  it("reads a JSON completion at once and returns it unchanged", () => {
    let text: string | undefined;
    const result: ChatResult = { kind: "completion", completion };
    expect(captureCompletion(result, (t) => (text = t))).toBe(result);
    expect(text).toBe("Hello there.");
  });

  it("collects translated stream deltas and hands the text over at the end", async () => {
    let text: string | undefined;
    const chunks = [chunk(""), chunk("Hel"), chunk("lo"), chunk(undefined, { choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })];
    const wrapped = captureCompletion({ kind: "stream", chunks: from(chunks) }, (t) => (text = t));
    if (wrapped.kind !== "stream") throw new Error("kind changed");
    expect(await drain(wrapped.chunks)).toEqual(chunks);
    expect(text).toBe("Hello");
  });

  it("parses relayed SSE bytes split mid-event, passing every byte through", async () => {
    let text: string | undefined;
    const bytes = sse.map((s) => new TextEncoder().encode(s));
    const result: ChatResult = { kind: "passthrough", status: 200, headers: {}, body: from(bytes), usage: Promise.resolve(undefined) };
    const wrapped = captureCompletion(result, (t) => (text = t));
    if (wrapped.kind !== "passthrough" || Array.isArray(wrapped.body)) throw new Error("kind changed");
    expect(await drain(wrapped.body as AsyncIterable<Uint8Array>)).toEqual(bytes);
    expect(text).toBe("Hello");
  });

  it("reads a relayed JSON body", () => {
    let text: string | undefined;
    const body = [new TextEncoder().encode(JSON.stringify(completion))];
    captureCompletion({ kind: "passthrough", status: 200, headers: {}, body, usage: Promise.resolve(undefined) }, (t) => (text = t));
    expect(text).toBe("Hello there.");
  });

  it("still reports what came before a stream broke", async () => {
    let text: string | undefined;
    async function* broken(): AsyncGenerator<ChatCompletionChunk> {
      yield chunk("partial ");
      throw new Error("upstream cut");
    }
    const wrapped = captureCompletion({ kind: "stream", chunks: broken() }, (t) => (text = t));
    if (wrapped.kind !== "stream") throw new Error("kind changed");
    await expect(drain(wrapped.chunks)).rejects.toThrow("upstream cut");
    expect(text).toBe("partial ");
  });
});

describe("sseContent", () => {
  it("ignores [DONE], comments, usage-only chunks and a truncated last event", () => {
    expect(sseContent(": keep-alive\n\n" + sse.join("") + 'data: {"choices":[{"delta":{"content":"cut')).toBe("Hello");
  });
});
