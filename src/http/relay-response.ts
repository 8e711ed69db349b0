// The parts every door shares when it relays an upstream's own answer (native lanes, stored
// responses held upstream): the upstream's headers as node:http takes them, and an answer that
// arrived whole sent in one write with its length.
import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from "node:http";

/**
 * The upstream's response headers without the names undici reports as absent, then the
 * gateway's own (`own`, overriding an upstream header of the same name): one fresh object.
 */
export function relayedHeaders(headers: IncomingHttpHeaders, own?: Readonly<Record<string, string>>): Record<string, string | string[]> {
  const relayed: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && Object.hasOwn(headers, name)) relayed[name] = value;
  }
  if (own) for (const name in own) relayed[name] = own[name] as string;
  return relayed;
}

/** The chunks of an answer the upstream sent whole, as one buffer (no copy for a single chunk). */
export function wholeBody(chunks: readonly Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/**
 * Sends a whole answer with its content-length, set on `headers` (a fresh object the caller
 * gives up); returns the time it was handed to the socket (its first byte).
 */
export function sendWhole(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Uint8Array): number {
  headers["content-length"] = body.byteLength;
  res.writeHead(status, headers);
  res.end(asText(body) ?? body);
  return performance.now();
}

// node:http sends a string body in the same write as the head, a byte body as a second chunk
// (a corked writev): the single write costs less, for a small body worth its decoding. Only
// UTF-8 bytes decode back to themselves, so anything else is sent as it came.
const TEXT_LIMIT = 16 * 1024;

function asText(body: Uint8Array): string | undefined {
  if (body.byteLength > TEXT_LIMIT || !isUtf8(body)) return undefined;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
}
