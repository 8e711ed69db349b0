// An upstream body whose read errors (reset, abort) surface as UpstreamError, so the writer
// sees one failure type whichever adapter relayed the bytes. A thin iterator over the body's
// own rather than an async generator: per chunk one promise instead of a generator's resume,
// await and yield.
import { UpstreamError } from "./errors.ts";
import { transportError } from "./transport-error.ts";

export function guardedBody(body: AsyncIterable<Uint8Array>, provider: string, signal: AbortSignal): AsyncIterableIterator<Uint8Array> {
  return new GuardedBody(body, provider, signal);
}

class GuardedBody implements AsyncIterableIterator<Uint8Array> {
  private readonly body: AsyncIterable<Uint8Array>;
  private readonly provider: string;
  private readonly signal: AbortSignal;
  // Created on the first read: a body never read is left as it is, as a generator leaves it.
  private iterator: AsyncIterator<Uint8Array> | undefined;
  private returned = false;

  constructor(body: AsyncIterable<Uint8Array>, provider: string, signal: AbortSignal) {
    this.body = body;
    this.provider = provider;
    this.signal = signal;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.returned) return Promise.resolve({ done: true, value: undefined });
    this.iterator ??= this.body[Symbol.asyncIterator]();
    return this.iterator.next().catch(this.fail);
  }

  /** The reader stopped early: the body's iterator ends (and destroys) the upstream body. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    this.returned = true;
    await this.iterator?.return?.();
    return { done: true, value: undefined };
  }

  private readonly fail = (error: unknown): never => {
    const failure = transportError(this.provider, error, this.signal);
    throw failure.failure === "aborted"
      ? failure
      : new UpstreamError({ provider: this.provider, status: 502, failure: "stream", message: `upstream stream broke: ${failure.message}`, cause: error });
  };
}
