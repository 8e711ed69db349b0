// An upstream body whose read errors (reset, abort) surface as UpstreamError, so the writer
// sees one failure type whichever adapter relayed the bytes.
import { UpstreamError } from "./errors.ts";
import { RelayedIterator } from "./relayed-iterator.ts";
import { transportError } from "./transport-error.ts";

export function guardedBody(body: AsyncIterable<Uint8Array>, provider: string, signal: AbortSignal): AsyncIterableIterator<Uint8Array> {
  return new RelayedIterator(body, {
    failure: (error) => {
      const failure = transportError(provider, error, signal);
      throw failure.failure === "aborted"
        ? failure
        : new UpstreamError({ provider, status: 502, failure: "stream", message: `upstream stream broke: ${failure.message}`, cause: error });
    },
  });
}
