// The fetch handed to an SDK, sent over the adapter's own undici pool so that close() can
// release its sockets.
import { fetch as undiciFetch, type Dispatcher, type RequestInit as UndiciRequestInit } from "undici";

export interface PooledFetchOptions {
  /** Aborts every request made through this fetch, on top of the SDK's own signal. */
  readonly signal?: AbortSignal;
  /** Sees each answer (e.g. to keep its headers, or to hold it while its body is unread). */
  readonly onResponse?: (response: Response) => void;
  /** Told when a request is about to go out: a failure before that is not the upstream's. */
  readonly onRequest?: () => void;
}

// undici cancels a fetch body whose Response object was garbage collected before the body was
// read; the SDK holds only the rewrapped Response, so each undici Response is tied to its wrapper
// for as long as the wrapper lives.
const wrapped = new WeakMap<Response, unknown>();

export function pooledFetch(
  dispatcher: Dispatcher,
  options: PooledFetchOptions = {},
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const { signal, onResponse, onRequest } = options;
  return async (input, init) => {
    onRequest?.();
    const url = input instanceof Request ? input.url : input; // the SDKs pass a URL string
    const signals = [init?.signal, signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
    // Node's global RequestInit and the undici package's describe the same object; their
    // declared dispatcher types differ between undici versions, so one has to be asserted.
    const res = await undiciFetch(url, {
      ...(init as unknown as UndiciRequestInit),
      ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
      dispatcher,
    });
    // Rewrapped as a global Response around the same body stream (no copy), so the SDK gets
    // the class it expects.
    const response = new Response(res.body, { status: res.status, statusText: res.statusText, headers: [...res.headers] });
    wrapped.set(response, res);
    onResponse?.(response);
    return response;
  };
}
