// What the access log line reports about one request, filled in as the request moves through
// the gateway (transport, front door, pipeline) and read once when it is over.
import type { Attempt } from "../routing/executor.ts";

/** What the access log line reports; filled in as the request moves through the gateway. */
export interface RequestRecord {
  /** performance.now() when the request arrived (set by the access log). */
  startedAt?: number;
  keyName?: string;
  /** The front door (`chat`, `embeddings`): a bounded label, set from the path before auth. */
  api?: string;
  /** The model the client asked for (may be `auto`, may be unknown: never a metric label). */
  model?: string;
  /** The public model that served, when it differs (what `auto` resolved to). */
  servedModel?: string;
  /** The configured public model routing resolved, always set once routing succeeded (the metrics' `model`). */
  publicModel?: string;
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
  /** Streams: mean time per completion token after the first. */
  interTokenMs?: number;
  /** Time spent waiting on upstreams: the executor (attempts, retry backoff) plus stream delivery. */
  upstreamWaitMs?: number;
  /** The serving upstream call, to the end of its response (stream included). */
  upstreamMs?: number;
  costUsd?: number;
  /** What the response cache did (hit, miss, bypass, refresh); absent for models that do not cache. */
  cache?: string;
  /** The client went away before the response was complete. */
  clientGone?: boolean;
  /** Redacted request messages (chat) or input (embeddings) and completion text, only with `logging.bodies: true`. */
  messages?: unknown;
  input?: unknown;
  completion?: string;
  error?: string;
  /** Status actually sent (a stream that fails after its head still says 200 here). */
  status?: number;
  /** Parameters the serving provider adjusted or ignored (also in `x-llm-warnings`). */
  warnings?: string[];
  /** A stream that ended with an error event after it started. */
  streamError?: string;
}
