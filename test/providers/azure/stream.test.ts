// azureChunks over recorded-shape Azure stream frames.
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { azureChunks, completeAnnotation } from "../../../src/providers/azure/stream.ts";
import type { ChatCompletionChunk } from "../../../src/providers/types.ts";
import { streamFrames } from "./fixtures.ts";

const live = () => new AbortController().signal;

async function* from(frames: ChatCompletionChunk[], after?: () => void): AsyncGenerator<ChatCompletionChunk> {
  for (const frame of frames) yield frame;
  after?.();
}

async function collect(source: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

async function failure(source: AsyncIterable<ChatCompletionChunk>): Promise<{ error: UpstreamError; received: ChatCompletionChunk[] }> {
  const received: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of source) received.push(chunk);
  } catch (error) {
    if (error instanceof UpstreamError) return { error, received };
    throw error;
  }
  throw new Error("expected the stream to fail");
}

describe("azureChunks", () => {
  it("drops the prompt annotation frame and keeps content, finish and the usage chunk unchanged", async () => {
    const frames = streamFrames("default");
    const out = await collect(azureChunks(from(frames), "azure-eu", live()));
    expect(out).toEqual(frames.slice(1));
    expect(out.every((c) => c.object === "chat.completion.chunk" && c.id === "chatcmpl-APxk3Jm8WJ4cRQe1GqVn7i2hT0sLd")).toBe(true);
    expect(out.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("The capital of France is Paris.");
    expect(out.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 } });
  });

  it("completes asynchronous-filter annotations into valid chunks of the same stream", async () => {
    const out = await collect(azureChunks(from(streamFrames("async-filter")), "azure-eu", live()));
    const annotations = out.filter((c) => c.choices[0] && "content_filter_offsets" in c.choices[0]);
    expect(annotations).toHaveLength(2);
    for (const chunk of annotations) {
      expect(chunk).toMatchObject({ id: "chatcmpl-APxk3Jm8WJ4cRQe1GqVn7i2hT0sLd", object: "chat.completion.chunk", created: 1730802547, model: "gpt-4o-2024-08-06" });
      expect(chunk.choices[0]?.delta).toEqual({});
      expect(chunk.choices[0]?.finish_reason).toBeNull();
    }
    expect(out.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Color is light at different wavelengths.");
    expect(out.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]?.finish_reason)).toEqual(["stop"]);
    expect(out.at(-1)?.usage?.total_tokens).toBe(23);
  });

  it("passes the asynchronous filter's content_filter finish on as a valid final chunk", async () => {
    const out = await collect(azureChunks(from(streamFrames("async-filtered")), "azure-eu", live()));
    const last = out.at(-1);
    expect(last).toMatchObject({ object: "chat.completion.chunk", model: "gpt-4o-2024-08-06", choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }] });
    expect(last?.choices[0]).toHaveProperty("content_filter_results.violence", { filtered: true, severity: "medium" });
  });

  it("fails a stream that ends before its finish_reason (no [DONE] seen by the SDK)", async () => {
    const frames = streamFrames("default").slice(0, 4);
    const { error, received } = await failure(azureChunks(from(frames), "azure-eu", live()));
    expect(error).toMatchObject({ provider: "azure-eu", status: 502, failure: "stream", retryable: true });
    expect(error.message).toContain("finish_reason for choice 0");
    expect(received.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("The capital of France is");
  });

  it("fails a stream that carried no choice at all", async () => {
    const { error } = await failure(azureChunks(from(streamFrames("default").slice(0, 1)), "azure-eu", live()));
    expect(error).toMatchObject({ failure: "stream", status: 502 });
    expect(error.message).toContain("any choice");
  });

  it("tracks every choice of an n > 1 stream", async () => {
    const frames = streamFrames("default");
    const [role, text, finish] = [frames[1], frames[2], frames[5]];
    const second = (chunk: ChatCompletionChunk | undefined): ChatCompletionChunk => ({ ...chunk!, choices: chunk!.choices.map((c) => ({ ...c, index: 1 })) });
    const complete = [role!, second(role), text!, second(text), finish!, second(finish)];
    expect(await collect(azureChunks(from(complete), "azure-eu", live()))).toHaveLength(6);
    const { error } = await failure(azureChunks(from(complete.slice(0, 5)), "azure-eu", live()));
    expect(error.message).toContain("choice 1");
  });

  it("reports a quiet end after the signal was aborted as aborted, not as a finished stream", async () => {
    const controller = new AbortController();
    const frames = streamFrames("default").slice(0, 3);
    const { error } = await failure(azureChunks(from(frames, () => controller.abort()), "azure-eu", controller.signal));
    expect(error).toMatchObject({ failure: "aborted", status: 499, retryable: false });
  });

  it("maps a source failure to a stream failure", async () => {
    async function* broken(): AsyncGenerator<ChatCompletionChunk> {
      yield streamFrames("default")[1]!;
      throw new TypeError("terminated", { cause: new Error("other side closed") });
    }
    const { error, received } = await failure(azureChunks(broken(), "azure-eu", live()));
    expect(received).toHaveLength(1);
    expect(error).toMatchObject({ failure: "stream", status: 502 });
    expect(error.message).toContain("other side closed");
  });
});

describe("completeAnnotation", () => {
  it("keeps the annotation's own ids when no real chunk came before it", () => {
    const annotation = streamFrames("async-filtered")[3]!;
    const done = completeAnnotation(annotation, undefined);
    expect(done).toMatchObject({ id: "", object: "chat.completion.chunk", created: 0, model: "", choices: [{ delta: {}, finish_reason: "content_filter" }] });
  });
});
