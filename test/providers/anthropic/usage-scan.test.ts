// Usage read from Anthropic's bytes on the native lane: the three input counts summed into the
// canonical prompt_tokens, message_delta's cumulative counts merged over message_start's, events
// split across chunks, and the bytes themselves passed on unchanged.
import { describe, expect, it } from "vitest";
import { canonicalUsage, scanMessagesUsage, watchStreamUsage } from "../../../src/providers/anthropic/usage-scan.ts";

const event = (data: unknown) => `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;

describe("Anthropic usage on the native lane", () => {
  it("counts cache reads and writes into prompt_tokens", () => {
    const usage = scanMessagesUsage('{"content":[{"type":"text","text":"\\"usage\\": {\\"input_tokens\\": 999}"}],"usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":4096,"output_tokens":57}}');
    expect(usage).toEqual({ input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 4096, output_tokens: 57 });
    expect(canonicalUsage(usage ?? {})).toEqual({ prompt_tokens: 4208, completion_tokens: 57, total_tokens: 4265 });
  });

  it("passes over a count that is not a number, and reads spaced and large counts", () => {
    expect(scanMessagesUsage('{"usage": {"input_tokens" :\n 7, "output_tokens": null, "cache_read_input_tokens":12345678901}, "x": {"output_tokens": 3}}')).toEqual({
      input_tokens: 7,
      output_tokens: 3,
      cache_read_input_tokens: 12345678901,
    });
    expect(scanMessagesUsage('{"usage":{"output_tokens":"9"}}')).toBeUndefined();
    expect(scanMessagesUsage('{"content":[],"stop_reason":"end_turn"}')).toBeUndefined();
  });

  it("reads a stream split anywhere, merging message_delta's cumulative usage over message_start's", async () => {
    const text =
      event({ type: "message_start", message: { id: "m", content: [], usage: { input_tokens: 20, cache_read_input_tokens: 300, cache_creation_input_tokens: 0, output_tokens: 1 } } }) +
      event({ type: "ping" }) +
      event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: 'say "usage": {"output_tokens": 7777}' } }) +
      event({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { input_tokens: null, output_tokens: 42 } }) +
      event({ type: "message_stop" });
    const bytes = Buffer.from(text);
    const pieces = [bytes.subarray(0, 37), bytes.subarray(37, 211), bytes.subarray(211)];
    async function* source(): AsyncGenerator<Uint8Array> {
      yield* pieces;
    }
    const watched = watchStreamUsage(source());
    const relayed: Uint8Array[] = [];
    for await (const chunk of watched.body) relayed.push(chunk);
    expect(Buffer.concat(relayed).toString()).toBe(text);
    expect(await watched.usage).toEqual({ prompt_tokens: 320, completion_tokens: 42, total_tokens: 362 });
  });
});
