// What a written reply puts in the request record: tokens, cost, and the stream timings,
// computed from marks the writer already takes (no per-chunk work).
import { describe, expect, it } from "vitest";
import type { RequestRecord } from "../../src/http/context.ts";
import { recordReply } from "../../src/pipeline/record.ts";
import type { ReplyOutcome } from "../../src/dialects/openai-chat/reply.ts";

const usage = { prompt_tokens: 1_000, completion_tokens: 11, total_tokens: 1_011 };
const price = { input_per_mtok: 3, output_per_mtok: 15 };
const reply = (over: Partial<ReplyOutcome> = {}): ReplyOutcome => ({ usage, firstByteAt: 1_300, streamError: undefined, clientGone: false, ...over });
const times = { writeStartedAt: 1_290, writeEndedAt: 1_800, servingAttemptMs: 250 };

describe("recordReply", () => {
  it("records a JSON reply: tokens, cost, the serving call as upstream time, no stream timings", () => {
    const record: RequestRecord = { startedAt: 1_000, stream: false, upstreamWaitMs: 280 };
    recordReply(record, reply(), times, price);
    expect(record).toMatchObject({ promptTokens: 1_000, completionTokens: 11, upstreamMs: 250, upstreamWaitMs: 280 });
    expect(record.costUsd).toBeCloseTo((1_000 * 3 + 11 * 15) / 1e6, 15);
    expect(record.ttftMs).toBeUndefined();
    expect(record.interTokenMs).toBeUndefined();
  });

  it("records a stream: delivery counts as upstream time, TTFT from arrival, time per token after the first", () => {
    const record: RequestRecord = { startedAt: 1_000, stream: true, upstreamWaitMs: 280 };
    recordReply(record, reply(), times, price);
    expect(record.upstreamMs).toBe(250 + 510);
    expect(record.upstreamWaitMs).toBe(280 + 510);
    expect(record.ttftMs).toBe(300);
    expect(record.interTokenMs).toBe((1_800 - 1_300) / 10);
  });

  it("leaves inter-token latency out for a broken or abandoned stream, or one with a single token", () => {
    for (const over of [{ streamError: new Error("cut") }, { clientGone: true }, { usage: { ...usage, completion_tokens: 1 } }, { usage: undefined }]) {
      const record: RequestRecord = { startedAt: 1_000, stream: true };
      recordReply(record, reply(over), times, price);
      expect(record.interTokenMs).toBeUndefined();
      expect(record.ttftMs).toBe(300);
    }
  });

  it("records no tokens or cost without usage, and no cost without a price", () => {
    const bare: RequestRecord = { stream: false };
    recordReply(bare, reply({ usage: undefined }), times, price);
    expect(bare.promptTokens).toBeUndefined();
    expect(bare.costUsd).toBeUndefined();
    const free: RequestRecord = { stream: false };
    recordReply(free, reply(), times, undefined);
    expect(free.promptTokens).toBe(1_000);
    expect(free.costUsd).toBeUndefined();
  });
});
