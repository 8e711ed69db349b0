// The per-request state every middleware and route shares, typed once.
import type { HttpBindings } from "@hono/node-server";
import type { ResolvedKey } from "../config/types.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Attempt } from "../routing/executor.ts";

/** What the access log line reports; filled in as the request moves through the gateway. */
export interface RequestRecord {
  keyName?: string;
  /** The model the client asked for (may be `auto`). */
  model?: string;
  /** The public model that served, when it differs (what `auto` resolved to). */
  servedModel?: string;
  route?: string;
  sensitivity?: string;
  complexity?: string;
  /** Every target tried, in order, with outcome and latency. */
  attempts?: Attempt[];
  provider?: string;
  upstreamModel?: string;
  fallbacks?: number;
  stream?: boolean;
  promptTokens?: number;
  completionTokens?: number;
  ttftMs?: number;
  error?: string;
  /** Status actually sent (a stream that fails after its head still says 200 here). */
  status?: number;
  /** A stream that ended with an error event after it started. */
  streamError?: string;
}

export interface GatewayEnv {
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    /** Headers every response carries (request id, rate limits, routing), whoever writes it. */
    replyHeaders: Record<string, string>;
    key: ResolvedKey | undefined;
    record: RequestRecord;
    log: Logger;
  };
}
