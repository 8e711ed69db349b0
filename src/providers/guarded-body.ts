// An upstream body whose read errors (reset, abort) surface as UpstreamError, so the writer
// sees one failure type whichever adapter relayed the bytes.
import { UpstreamError } from "./errors.ts";
import { RelayedIterator } from "./relayed-iterator.ts";
import { transportError } from "./transport-error.ts";

export function guardedBody(body: AsyncIterable<Uint8Array>, provider: string, signal: AbortSignal): AsyncIterableIterator<Uint8Array> {
  return new RelayedIterator(body, {
    failure: (error) => {
      throw streamFailure(provider, error, signal);
    },
  });
}

/** A read error of an upstream body as the writer reports it: aborted, or a broken stream (502). */
export function streamFailure(provider: string, error: unknown, signal: AbortSignal): UpstreamError {
  const failure = transportError(provider, error, signal);
  return failure.failure === "aborted"
    ? failure
    : new UpstreamError({ provider, status: 502, failure: "stream", message: `upstream stream broke: ${failure.message}`, cause: error });
}
