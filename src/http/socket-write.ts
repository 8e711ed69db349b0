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

/** A body that pushes its chunks to one receiver, one synchronous call each (a relayed upstream stream). */
export interface PushedBody {
  /** Starts the flow; `write` returning false pauses it until `resume()`. */
  flow(receiver: { write(bytes: Uint8Array): boolean; end(error: Error | undefined): void }): void;
  resume(): void;
  /** Stops the flow and releases what feeds it; `end` is not called after this. */
  cancel(reason: Error): void;
}

export interface Pushed {
  /** When the first body byte was handed to the socket (performance.now()). */
  firstByteAt: number | undefined;
  /** What broke the body after the head went out; undefined when it ended or the client left. */
  error: Error | undefined;
  clientGone: boolean;
}

export function isPushed(body: unknown): body is PushedBody {
  return typeof (body as Partial<PushedBody> | undefined)?.flow === "function";
}

/**
 * Relays a pushed body onto the response, the head going out with the first chunk: each chunk
 * is written from the body's own callback, the body pauses while the socket is full and is
 * cancelled when the client leaves. Ends the response after a clean end; after a failure the
 * caller writes its own last words. Never rejects.
 */
export function relayPushed(res: ServerResponse, body: PushedBody): Promise<Pushed> {
  const sent: Pushed = { firstByteAt: undefined, error: undefined, clientGone: false };
  return new Promise((resolve) => {
    let over = false;
    const done = () => {
      over = true;
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(sent);
    };
    const onDrain = () => body.resume();
    const onClose = () => {
      if (over) return;
      sent.clientGone = true;
      body.cancel(new Error("client disconnected"));
      done();
    };
    if (res.destroyed) return onClose();
    res.on("drain", onDrain);
    res.on("close", onClose);
    body.flow({
      write(bytes) {
        if (res.destroyed) {
          // Gone without a close event yet: stop here, and let the cancel run outside the body's callback.
          process.nextTick(onClose);
          return false;
        }
        sent.firstByteAt ??= performance.now();
        return res.write(bytes);
      },
      end(error) {
        if (over) return;
        if (error === undefined) res.end();
        else sent.error = error;
        done();
      },
    });
  });
}
