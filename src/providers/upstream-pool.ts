// The connection pool every adapter owns: keep-alive, no connection cap (an open stream holds
// its socket for its whole life), and no undici timeouts — timeouts are the executor's, per
// target, through the call's signal. Closing twice is fine (a reload and a shutdown may both).
import { Agent } from "undici";

export interface UpstreamPool {
  readonly dispatcher: Agent;
  close(): Promise<void>;
}

export function createUpstreamPool(): UpstreamPool {
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: null,
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  let closing: Promise<void> | undefined;
  return { dispatcher, close: () => (closing ??= dispatcher.close()) };
}
