// Turns what the HTTP layer learned about a request into the bounded label set and numbers
// the metrics record. Labels come from config names (key, public model, rule, provider,
// upstream model) or fixed words, never from what the client sent.
import type { FinishedRequest } from "./metrics.ts";
import { CLIENT_CLOSED_STATUS, outcomeOf } from "./outcome.ts";

/** The request record's fields telemetry reads (src/http/context.ts RequestRecord has them all). */
export interface RequestFacts {
  api?: string;
  keyName?: string;
  publicModel?: string;
  route?: string;
  provider?: string;
  upstreamModel?: string;
  status?: number;
  clientGone?: boolean;
  streamError?: string;
  upstreamWaitMs?: number;
  upstreamMs?: number;
  ttftMs?: number;
  interTokenMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
}

export interface Finish {
  /** The status of the response Hono built (the chat route records its own in `status`). */
  responseStatus: number;
  durationMs: number;
}

/** Key label when the request got past auth without a key: the gateway runs open. */
export const OPEN_KEY = "anonymous";
/** Key label for a request refused by auth. */
export const NO_KEY = "unauthenticated";
/** Model label when no configured model was resolved (unknown name, refused before routing). */
export const UNKNOWN_MODEL = "unknown";
/** Route, provider and upstream model label when there is none (no rule matched, nothing served). */
export const NONE = "none";

export function finishRequest(facts: RequestFacts, finish: Finish): FinishedRequest {
  // A client that left before any response head gets nginx's 499, not the error nobody received.
  const status = facts.status ?? (facts.clientGone ? CLIENT_CLOSED_STATUS : finish.responseStatus);
  return {
    api: facts.api ?? NONE,
    key: facts.keyName ?? (status === 401 ? NO_KEY : OPEN_KEY),
    model: facts.publicModel ?? UNKNOWN_MODEL,
    route: facts.route ?? NONE,
    provider: facts.provider ?? NONE,
    upstreamModel: facts.upstreamModel ?? NONE,
    status,
    outcome: outcomeOf({ status, streamError: facts.streamError !== undefined, clientGone: facts.clientGone === true }),
    durationMs: finish.durationMs,
    overheadMs: Math.max(0, finish.durationMs - (facts.upstreamWaitMs ?? 0)),
    upstreamMs: facts.upstreamMs,
    ttftMs: facts.ttftMs,
    interTokenMs: facts.interTokenMs,
    promptTokens: facts.promptTokens,
    completionTokens: facts.completionTokens,
    costUsd: facts.costUsd,
  };
}
