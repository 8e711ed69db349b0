// In-process coalescing: the first cacheable miss for a key leads, identical requests that
// arrive while it is in flight wait for it. A leader settles its flight once: with an entry
// (found in Redis, or its JSON answer), with a live feed (a stream its followers read as it
// arrives), or with nothing (it failed before any answer), and then each follower goes on
// alone. A follower's own client going away ends its wait at once.
import { GatewayError } from "../http/errors.ts";
import type { ChatCompletionChunk } from "../providers/types.ts";
import type { Entry } from "./entry.ts";

export type FlightOutcome =
  | { readonly kind: "entry"; readonly entry: Entry }
  | { readonly kind: "live"; readonly feed: LiveFeed }
  | { readonly kind: "none" };

export interface Flight {
  /** What the leader settled with; made when a follower first asks (most misses have none). */
  readonly outcome: Promise<FlightOutcome>;
  /** Settles the flight (later calls do nothing) and takes it off the map once it is over. */
  settle(outcome: FlightOutcome): void;
}

export interface Flights {
  /** The flight in progress for `key`, if any. */
  find(key: string): Flight | undefined;
  /** Starts a flight the caller leads. */
  lead(key: string): Flight;
  readonly size: number;
}

export function createFlights(): Flights {
  const flights = new Map<string, Flight>();
  return {
    find: (key) => flights.get(key),
    lead(key) {
      const flight = new LeadFlight(flights, key);
      flights.set(key, flight);
      return flight;
    },
    get size() {
      return flights.size;
    },
  };
}

/** A class with the promise made on demand: every cacheable miss leads one, few are followed. */
class LeadFlight implements Flight {
  readonly #flights: Map<string, Flight>;
  readonly #key: string;
  #settled: FlightOutcome | undefined;
  #waiting: Promise<FlightOutcome> | undefined;
  #resolve: ((outcome: FlightOutcome) => void) | undefined;

  constructor(flights: Map<string, Flight>, key: string) {
    this.#flights = flights;
    this.#key = key;
  }

  get outcome(): Promise<FlightOutcome> {
    if (this.#waiting === undefined) {
      const settled = this.#settled;
      this.#waiting = settled !== undefined ? Promise.resolve(settled) : new Promise((resolve) => (this.#resolve = resolve));
    }
    return this.#waiting;
  }

  settle(result: FlightOutcome): void {
    if (this.#settled !== undefined) return;
    this.#settled = result;
    this.#resolve?.(result);
    // A live stream keeps its flight until it ends, so late arrivals still follow it.
    if (result.kind !== "live") this.#flights.delete(this.#key);
    else void result.feed.completed.then(() => this.#flights.delete(this.#key));
  }
}

/** A leader's stream as it arrives, for followers to read from its first chunk on. */
export interface LiveFeed {
  push(chunk: ChatCompletionChunk): void;
  /** The stream ended cleanly; `entry` is what it was stored as (undefined when it could not be kept). */
  end(entry: Entry | undefined): void;
  fail(error: Error): void;
  /** Every chunk from the first, then each as it arrives; throws where the leader's stream failed. */
  follow(signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
  /** The entry once the stream ended cleanly; undefined when it failed or was not kept. */
  readonly completed: Promise<Entry | undefined>;
}

export function liveFeed(): LiveFeed {
  const chunks: ChatCompletionChunk[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const current = wake;
    changed = new Promise<void>((resolve) => (wake = resolve));
    current?.();
  };
  let complete!: (entry: Entry | undefined) => void;
  const completed = new Promise<Entry | undefined>((resolve) => (complete = resolve));

  return {
    completed,
    push(chunk) {
      chunks.push(chunk);
      notify();
    },
    end(entry) {
      ended = true;
      complete(entry);
      notify();
    },
    fail(error) {
      if (ended || failure) return;
      failure = error;
      complete(undefined);
      notify();
    },
    async *follow(signal) {
      let at = 0;
      for (;;) {
        while (at < chunks.length) yield chunks[at++] as ChatCompletionChunk;
        if (failure) throw failure;
        if (ended) return;
        await untilAborted(changed, signal);
      }
    },
  };
}

/** Waits for `pending` unless the client goes away first (then throws, as the executor does). */
export async function untilAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw clientGone();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(clientGone());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

function clientGone(): GatewayError {
  return new GatewayError(499, "invalid_request_error", "client disconnected", { code: "client_closed", retryable: false });
}
