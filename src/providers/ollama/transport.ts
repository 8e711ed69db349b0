// The fetch handed to the Ollama SDK, one per call. The SDK passes no signal for non-streaming
// calls and aborts streams only through its own controller (or `client.abort()`, which ends
// every stream of the client), so this fetch adds the call's signal to each request. It also
// keeps the answer's headers for Retry-After, and sends everything over the adapter's pool.
import { fetch as undiciFetch, type Dispatcher } from "undici";

export interface CallTransport {
  readonly fetch: typeof globalThis.fetch;
  /** Headers of the last HTTP answer, once one arrived. */
  readonly headers: Headers | undefined;
  /** The last HTTP answer itself, held so its body outlives a garbage collection (see above). */
  readonly response: unknown;
}

export function createCallTransport(dispatcher: Dispatcher, signal: AbortSignal): CallTransport {
  let headers: Headers | undefined;
  // undici cancels a fetch body whose Response object was garbage collected before the body was
  // read. The SDK keeps only the body, and reads it when the caller iterates: holding the
  // Response here (the call's stream keeps this transport alive) stops a GC between the answer
  // and the first read from cutting the stream.
  let response: unknown;
  const callFetch = async (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit): Promise<Response> => {
    const signals = init?.signal ? [init.signal, signal] : [signal];
    const res = await undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      signal: AbortSignal.any(signals),
      dispatcher,
    });
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- same Fetch API class, declared twice
    headers = res.headers;
    response = res;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- undici's Response implements the same Fetch API as the global one; only the declared types differ.
    return res;
  };
  return {
    fetch: callFetch,
    get headers() {
      return headers;
    },
    get response() {
      return response;
    },
  };
}
