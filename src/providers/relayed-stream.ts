// An upstream's streamed body relayed in push mode: each chunk the socket delivers runs through
// the stages (the usage scan, a meter) and on to the receiver (the client's socket) in one
// synchronous call, with no promise per chunk; the source pauses while the receiver is full.
// Read errors surface as UpstreamError, as guardedBody's do. Consumers that iterate (the cache,
// the translating doors) still can: it is an AsyncIterable too.
import type { Readable } from "node:stream";
import { streamFailure } from "./guarded-body.ts";

/** One step every chunk goes through, synchronously, in the order the stages were added. */
export interface ChunkStage {
  /** The bytes to pass on (the same or others), or undefined to pass nothing for this chunk. */
  chunk(bytes: Uint8Array): Uint8Array | undefined;
  /**
   * Called once when the stream is over: `error` is undefined after a clean end, the failure or
   * the cancel reason otherwise. May return a last piece to pass on (after a clean end only).
   */
  end?(error: Error | undefined): Uint8Array | undefined;
}

/** Where the chunks go once the stream flows. */
export interface StreamReceiver {
  /** Takes one chunk; false when full: the stream pauses until `resume()`. */
  write(bytes: Uint8Array): boolean;
  /** The stream is over: `error` undefined when complete. Not called after `cancel()`. */
  end(error: Error | undefined): void;
}

type Ending = { readonly error: Error | undefined };

export class RelayedStream implements AsyncIterable<Uint8Array> {
  readonly #source: Readable;
  readonly #provider: string;
  readonly #signal: AbortSignal;
  readonly #stages: ChunkStage[] = [];
  #receiver: StreamReceiver | undefined;
  /** The first output, read ahead before a receiver came, and how many stages it went through. */
  #held: Uint8Array | undefined;
  #heldAt = 0;
  /** How the source ended while no receiver was there yet. */
  #ending: Ending | undefined;
  #over = false;
  /** The failure that ended the stream before its first output. */
  #failure: Error | undefined;
  #ready: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(source: Readable, provider: string, signal: AbortSignal) {
    this.#source = source;
    this.#provider = provider;
    this.#signal = signal;
    source.on("data", this.#onData);
    source.on("end", this.#onEnd);
    source.on("error", this.#onError);
    source.on("close", this.#onClose);
  }

  /** Adds a stage after the existing ones; chunks read ahead go through it when they are passed on. */
  through(stage: ChunkStage): this {
    this.#stages.push(stage);
    return this;
  }

  /**
   * Resolves once the first output has been read (held until `flow`) or the stream ended without
   * any; rejects when the source failed before it, so the call can still fall back.
   */
  ready(): Promise<void> {
    if (this.#held !== undefined || this.#ending !== undefined) return Promise.resolve();
    if (this.#over) return Promise.reject(this.#failure ?? new Error("stream already consumed"));
    if (this.#ready === undefined) {
      const ready = { resolve: ignore, reject: ignore as (error: Error) => void };
      const promise = new Promise<void>((resolve, reject) => {
        ready.resolve = resolve;
        ready.reject = reject;
      });
      this.#ready = { ...ready, promise };
    }
    return this.#ready.promise;
  }

  /** Starts passing chunks to `receiver` (once); what was read ahead goes first. */
  flow(receiver: StreamReceiver): void {
    if (this.#receiver !== undefined || this.#over) throw new Error("stream already consumed");
    this.#receiver = receiver;
    const held = this.#held;
    this.#held = undefined;
    const room = held === undefined || this.#pass(held, this.#heldAt);
    if (this.#ending !== undefined) this.#finish(this.#ending.error);
    else if (room) this.#source.resume();
  }

  /** The receiver has room again. */
  resume(): void {
    if (!this.#over) this.#source.resume();
  }

  /** Stops reading and releases the upstream (the client left); the stages still see the end. */
  cancel(reason: Error): void {
    if (this.#over) return;
    this.#over = true;
    this.#receiver = undefined;
    this.#stop();
    this.#source.destroy();
    for (const stage of this.#stages) stage.end?.(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return iterate(this);
  }

  #onData = (chunk: Uint8Array): void => {
    let bytes: Uint8Array | undefined = chunk;
    const stages = this.#stages;
    for (let i = 0; i < stages.length && bytes !== undefined; i++) bytes = (stages[i] as ChunkStage).chunk(bytes);
    if (bytes === undefined) return;
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      if (!receiver.write(bytes)) this.#source.pause();
      return;
    }
    this.#held = bytes;
    this.#heldAt = stages.length;
    this.#source.pause();
    this.#settleReady();
  };

  #onEnd = (): void => this.#ended(undefined);

  #onError = (error: unknown): void => this.#ended(streamFailure(this.#provider, error, this.#signal));

  // A source destroyed without an error before its end: a for-await over it would throw too.
  #onClose = (): void => this.#ended(streamFailure(this.#provider, new Error("upstream stream closed early"), this.#signal));

  #ended(error: Error | undefined): void {
    if (this.#over || this.#ending !== undefined) return;
    if (this.#receiver !== undefined) return this.#finish(error);
    if (error !== undefined && this.#held === undefined) {
      // Failed before any output: the call fails (and may fall back); nothing will flow.
      this.#failure = error;
      this.#finish(error);
      this.#settleReady(error);
      return;
    }
    this.#stop();
    this.#ending = { error };
    this.#settleReady();
  }

  #settleReady(error?: Error): void {
    const ready = this.#ready;
    this.#ready = undefined;
    if (error === undefined) ready?.resolve();
    else ready?.reject(error);
  }

  /** The stages' last pieces, then the receiver's end. */
  #finish(error: Error | undefined): void {
    this.#over = true;
    this.#stop();
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i++) {
      const last = (stages[i] as ChunkStage).end?.(error);
      if (last !== undefined && error === undefined) this.#pass(last, i + 1);
    }
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.end(error);
  }

  /** Runs `bytes` through the stages from `from` to the receiver; false when it is full. */
  #pass(bytes: Uint8Array, from: number): boolean {
    let out: Uint8Array | undefined = bytes;
    const stages = this.#stages;
    for (let i = from; i < stages.length && out !== undefined; i++) out = (stages[i] as ChunkStage).chunk(out);
    return out === undefined || this.#receiver?.write(out) !== false;
  }

  #stop(): void {
    const source = this.#source;
    source.off("data", this.#onData);
    source.off("end", this.#onEnd);
    source.off("close", this.#onClose);
    // Keep one listener: an error emitted after this (a destroy in flight) must not crash the process.
    source.off("error", this.#onError);
    source.on("error", ignore);
  }
}

function ignore(): void {}

/** Pull mode over the push: the source is paused while a chunk waits to be taken. */
function iterate(stream: RelayedStream): AsyncIterator<Uint8Array> {
  const waiting: Uint8Array[] = [];
  let ending: Ending | undefined;
  let wake: (() => void) | undefined;
  let started = false;
  const receiver: StreamReceiver = {
    write(bytes) {
      waiting.push(bytes);
      wake?.();
      return false;
    },
    end(error) {
      ending = { error };
      wake?.();
    },
  };
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    if (!started) {
      started = true;
      stream.flow(receiver);
    }
    while (waiting.length === 0 && ending === undefined) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const value = waiting.shift();
    if (value !== undefined) {
      if (waiting.length === 0 && ending === undefined) stream.resume();
      return { done: false, value };
    }
    if (ending?.error !== undefined) {
      const { error } = ending;
      ending = { error: undefined };
      throw error;
    }
    return { done: true, value: undefined };
  };
  return {
    next,
    return: () => {
      stream.cancel(new Error("relay closed by its reader"));
      ending = { error: undefined };
      waiting.length = 0;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}
