// Writing a response body with backpressure: a stream writer waits for the socket to drain
// rather than buffering an upstream's whole answer in memory for a slow client.
import type { ServerResponse } from "node:http";

/** Writes and waits for the socket to drain when its buffer is full; false once the client is gone. */
export function writeChunk(res: ServerResponse, data: string | Uint8Array): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(data)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}
