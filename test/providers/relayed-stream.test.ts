// The push-mode relay of an upstream stream: chunks through the stages to one receiver, the
// first output read ahead for the fallback decision, backpressure, failures as UpstreamError,
// cancel, and pull mode for consumers that iterate. Then the OpenAI SSE stage on it.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/errors.ts";
import { relaySse } from "../../src/providers/openai/sse-relay.ts";
import { RelayedStream, type ChunkStage } from "../../src/providers/relayed-stream.ts";

const bytes = (text: string) => Buffer.from(text);
const text = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks).toString("utf8");
const tick = () => new Promise((resolve) => setImmediate(resolve));

function relay(stages: ChunkStage[] = []) {
  const source = new PassThrough();
  const stream = new RelayedStream(source, "up", new AbortController().signal);
  for (const stage of stages) stream.through(stage);
  return { source, stream };
}

function receiver(room = () => true) {
  const got: Uint8Array[] = [];
  const ends: unknown[] = [];
  return {
    got,
    ends,
    write(chunk: Uint8Array) {
      got.push(chunk);
      return room();
    },
    end(error: unknown) {
      ends.push(error);
    },
  };
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of body) out.push(chunk);
  return out;
}

describe("RelayedStream", () => {
  it("holds the first output until a receiver comes, then passes every chunk through every stage", async () => {
    const seen: string[] = [];
    const { source, stream } = relay([{ chunk: (b) => (seen.push(`a:${text([b])}`), b) }]);
    source.write(bytes("one"));
    await stream.ready();
    // a stage added after the read-ahead still sees the held chunk, when it is passed on
    stream.through({ chunk: (b) => (seen.push(`b:${text([b])}`), bytes(text([b]).toUpperCase())) });
    const to = receiver();
    stream.flow(to);
    source.write(bytes("two"));
    source.end();
    await tick();
    expect(text(to.got)).toBe("ONETWO");
    expect(seen).toEqual(["a:one", "b:one", "a:two", "b:two"]);
    expect(to.ends).toEqual([undefined]);
  });

  it("pauses the source while the receiver is full and goes on at resume()", async () => {
    const { source, stream } = relay();
    source.write(bytes("a"));
    await stream.ready();
    let full = true;
    const to = receiver(() => !full);
    stream.flow(to);
    source.write(bytes("b"));
    source.write(bytes("c"));
    await tick();
    expect(text(to.got)).toBe("a");
    full = false;
    stream.resume();
    await tick();
    expect(text(to.got)).toBe("abc");
  });

  it("fails the read-ahead with a stream UpstreamError when the source breaks before any output", async () => {
    const ends: unknown[] = [];
    const { source, stream } = relay([{ chunk: (b) => b, end: (e) => (ends.push(e), undefined) }]);
    const ready = stream.ready();
    source.destroy(new Error("socket hang up"));
    const failure = await ready.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).failure).toBe("stream");
    expect(ends).toEqual([failure]);
  });

  it("ends the receiver with the failure after what came before it", async () => {
    const { source, stream } = relay();
    source.write(bytes("partial"));
    await stream.ready();
    source.destroy(new Error("reset"));
    await tick();
    const to = receiver();
    stream.flow(to);
    expect(text(to.got)).toBe("partial");
    expect(to.ends[0]).toBeInstanceOf(UpstreamError);
  });

  it("reports a source closed without an error before its end as a broken stream", async () => {
    const { source, stream } = relay();
    source.write(bytes("x"));
    await stream.ready();
    const to = receiver();
    stream.flow(to);
    source.destroy();
    await tick();
    expect((to.ends[0] as UpstreamError).failure).toBe("stream");
  });

  it("destroys the source on cancel; the stages see the end, the receiver hears nothing more", async () => {
    const ends: unknown[] = [];
    const { source, stream } = relay([{ chunk: (b) => b, end: (e) => (ends.push(e), undefined) }]);
    source.write(bytes("x"));
    await stream.ready();
    const to = receiver();
    stream.flow(to);
    const reason = new Error("client disconnected");
    stream.cancel(reason);
    source.destroy(new Error("late"));
    await tick();
    expect(source.destroyed).toBe(true);
    expect(ends).toEqual([reason]);
    expect(to.ends).toEqual([]);
  });

  it("can be iterated: the same chunks, then the failure", async () => {
    const { source, stream } = relay();
    source.write(bytes("a"));
    await stream.ready();
    setImmediate(() => {
      source.write(bytes("b"));
      source.destroy(new Error("reset"));
    });
    const out: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) out.push(text([chunk]));
      })(),
    ).rejects.toBeInstanceOf(UpstreamError);
    expect(out).toEqual(["a", "b"]);
  });

  it("cancels the source when an iterating reader stops early", async () => {
    const { source, stream } = relay();
    source.write(bytes("a"));
    source.write(bytes("b"));
    for await (const _chunk of stream) break;
    expect(source.destroyed).toBe(true);
  });
});

const USAGE = { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 };
const event = (data: string, crlf = false) => (crlf ? `data: ${data}\r\n\r\n` : `data: ${data}\n\n`);
const delta = (content: string, usage: string) =>
  event(`{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}],"usage":${usage}}`);
const usageEvent = (crlf = false) => event(`{"id":"c","object":"chat.completion.chunk","choices":[],"usage":${JSON.stringify(USAGE)}}`, crlf);

/** Splits bytes at random places (also inside multi-byte characters). */
function split(all: Buffer, seed: number): Buffer[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    const size = random() < 0.5 ? all.length : 1 + Math.floor(random() * 40);
    out.push(all.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe("relaySse on a relayed stream", () => {
  const bodies = [
    [delta("", "null"), delta("héllo wörld ✓", "null"), delta(" 🎉", "null"), usageEvent(), event("[DONE]")].join(""),
    [delta("plain", "null"), usageEvent(true), event("[DONE]", true)].join(""),
    [delta('a "usage": {} in text', " null"), usageEvent(), event("[DONE]")].join(""),
  ];

  for (const [n, body] of bodies.entries()) {
    for (const seed of [1, 7, 42, 1234, 99999]) {
      it(`body ${n}, split ${seed}: relays every byte and reads the usage; strips only the usage event when asked`, async () => {
        for (const strip of [false, true]) {
          const { source, stream } = relay();
          const relayed = relaySse(stream, { stripUsageChunk: strip });
          for (const piece of split(Buffer.from(body), seed)) source.write(piece);
          source.end();
          const out = text(await drain(relayed.body));
          const usageText = body.includes("\r\n\r\n" + "data: [DONE]") ? usageEvent(true) : usageEvent();
          expect(out).toBe(strip ? body.replace(usageText, "") : body);
          expect(await relayed.usage).toEqual(USAGE);
        }
      });
    }
  }

  it("passes whole-event chunks without a usage object as the very same bytes", async () => {
    const { source, stream } = relay();
    const relayed = relaySse(stream, { stripUsageChunk: true });
    const chunk = Buffer.from(delta("x", "null"));
    source.end(chunk);
    const [first] = await drain(relayed.body);
    expect(first).toBe(chunk);
    expect(await relayed.usage).toBeUndefined();
  });
});
