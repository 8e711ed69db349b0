// The parts every door shares when it relays an upstream's own answer (native lanes, stored
// responses held upstream): the upstream's headers as node:http takes them, and an answer that
// arrived whole sent in one write with its length.
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** The upstream's response headers without the names undici reports as absent. */
export function relayedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const relayed: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) relayed[name] = value;
  return relayed;
}

/** The chunks of an answer the upstream sent whole, as one buffer (no copy for a single chunk). */
export function wholeBody(chunks: readonly Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/** Sends a whole answer with its content-length; returns the time it was handed to the socket (its first byte). */
export function sendWhole(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Uint8Array): number {
  res.writeHead(status, { ...headers, "content-length": body.byteLength });
  res.end(body);
  return performance.now();
}
