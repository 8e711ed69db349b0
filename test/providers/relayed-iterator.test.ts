// The thin iterator that replaced async generators around upstream bodies and metered streams:
// it must behave as `async function* (src) { for await (const x of src) { see(x); yield x } }`.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/errors.ts";
import { guardedBody } from "../../src/providers/guarded-body.ts";
import { RelayedIterator } from "../../src/providers/relayed-iterator.ts";

/** Reads an iterable to its end. */
async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable);
}

/** A source that records whether it was started and returned. */
function source(items: number[], failAfter?: Error) {
  const log: string[] = [];
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      log.push("start");
      let i = 0;
      return {
        next: () => {
          if (i < items.length) return Promise.resolve({ done: false, value: items[i++] as number });
          return failAfter ? Promise.reject(failAfter) : Promise.resolve({ done: true, value: undefined });
        },
        return: () => {
          log.push("return");
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
  return { iterable, log };
}

describe("RelayedIterator", () => {
  it("relays every item in order and sees each once", async () => {
    const { iterable } = source([1, 2, 3]);
    const seen: number[] = [];
    const out: number[] = [];
    for await (const x of new RelayedIterator(iterable, { item: (x) => seen.push(x) })) out.push(x);
    expect(out).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("passes an early return on to the source and stays done", async () => {
    const { iterable, log } = source([1, 2, 3]);
    const it = new RelayedIterator(iterable, {});
    for await (const x of it) if (x === 1) break;
    expect(log).toEqual(["start", "return"]);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it("leaves a source it never read untouched, as a generator does", async () => {
    const { iterable, log } = source([1]);
    const it = new RelayedIterator(iterable, {});
    await it.return();
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(log).toEqual([]);
  });

  it("maps the source's failure", async () => {
    const { iterable } = source([1], new Error("reset"));
    const it = new RelayedIterator(iterable, { failure: () => { throw new Error("mapped"); } });
    await expect(drain(it)).rejects.toThrow("mapped");
  });
});

describe("guardedBody", () => {
  it("turns a broken body into a stream failure and an aborted one into an aborted failure", async () => {
    const broken = new Readable({ read() { this.destroy(Object.assign(new Error("socket hang up"), { code: "UND_ERR_SOCKET" })); } });
    const error = await drain(guardedBody(broken, "p", new AbortController().signal)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect([(error as UpstreamError).status, (error as UpstreamError).failure]).toEqual([502, "stream"]);
    const aborted = new AbortController();
    aborted.abort(new Error("client disconnected"));
    const cut = new Readable({ read() { this.destroy(new Error("aborted")); } });
    const abortError = await drain(guardedBody(cut, "p", aborted.signal)).catch((e: unknown) => e);
    expect((abortError as UpstreamError).failure).toBe("aborted");
  });
});
