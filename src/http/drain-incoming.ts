// A request refused before its body was read (401, a declared size over the limit) still has
// bytes on the way. Once the response is done the rest is read and dropped, within limits: a
// client that keeps sending loses its connection, as @hono/node-server does for Hono's routes.
import type { IncomingMessage, ServerResponse } from "node:http";

const DRAIN_TIMEOUT_MS = 500;
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export function drainWhenDone(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (incoming.readableEnded) return;
  // Two turns later, as Hono's adaptor does: Node's own dump of the rest may finish first.
  const later = () => setTimeout(() => incoming.readableEnded || setTimeout(() => incoming.readableEnded || drain(incoming)));
  if (outgoing.closed) later();
  else outgoing.once("close", later);
}

function drain(incoming: IncomingMessage): void {
  if (incoming.destroyed) return;
  let bytesRead = 0;
  const cleanup = () => {
    clearTimeout(timer);
    incoming.off("data", onData);
    incoming.off("end", cleanup);
    incoming.off("error", cleanup);
  };
  const forceClose = () => {
    cleanup();
    const socket = incoming.socket;
    if (!socket.destroyed) socket.destroySoon();
  };
  const timer = setTimeout(forceClose, DRAIN_TIMEOUT_MS);
  timer.unref();
  const onData = (chunk: Buffer) => {
    bytesRead += chunk.length;
    if (bytesRead > MAX_DRAIN_BYTES) forceClose();
  };
  incoming.on("data", onData);
  incoming.on("end", cleanup);
  incoming.on("error", cleanup);
  incoming.resume();
}
