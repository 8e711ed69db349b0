// A bounded upstream body read whole into one Buffer from its own events: no async iterator
// (a generator, an end-of-stream watcher and promises per chunk) for an answer read at once.
import type { Readable } from "node:stream";

export function wholeBody(body: Readable): Promise<Buffer> {
  // Failed or destroyed before anyone listened: its events are gone, its state is not.
  if (body.destroyed) return Promise.reject(body.errored ?? closedEarly());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on("data", (chunk: Buffer) => chunks.push(chunk));
    body.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    body.on("error", reject);
    // Closed without an end or an error (destroyed): the answer is incomplete. After `end` the
    // promise is settled: no error is built (its stack trace costs more than the whole read).
    body.on("close", () => {
      if (!body.readableEnded) reject(closedEarly());
    });
  });
}

function closedEarly(): Error {
  return new Error("upstream body closed before its end");
}
