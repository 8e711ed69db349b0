// The fetch handed to the Ollama SDK, one per call. The SDK passes no signal for non-streaming
// calls and aborts streams only through its own controller (or `client.abort()`, which ends
// every stream of the client), so this fetch adds the call's signal to each request. It also
// keeps the answer's headers for Retry-After, and sends everything over the adapter's pool.
import type { Dispatcher } from "undici";
import { pooledFetch } from "../pooled-fetch.ts";

export interface CallTransport {
  readonly fetch: typeof globalThis.fetch;
  /** Headers of the last HTTP answer, once one arrived. */
  readonly headers: Headers | undefined;
  /** The last HTTP answer itself, held so its body outlives a garbage collection (see below). */
  readonly response: Response | undefined;
  /** Whether the SDK sent a request at all (it may throw before it does). */
  readonly called: boolean;
}

export function createCallTransport(dispatcher: Dispatcher, signal: AbortSignal): CallTransport {
  // The SDK keeps only the body and reads it when the caller iterates; holding the Response here
  // (the call's stream keeps this transport alive) stops a GC between the answer and the first
  // read from cutting the stream (see pooledFetch).
  let response: Response | undefined;
  let called = false;
  const fetch = pooledFetch(dispatcher, { signal, onResponse: (res) => (response = res), onRequest: () => (called = true) });
  return {
    fetch,
    get headers() {
      return response?.headers;
    },
    get response() {
      return response;
    },
    get called() {
      return called;
    },
  };
}
