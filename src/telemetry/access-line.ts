// The access log line's fields, in a fixed order and shape (one hidden class), written with one
// `JSON.stringify`: measured against a hand-joined text, which had to be flattened before it
// could be encoded and so cost more (bench/FINDINGS.md §12).
import type { FinishedRequest } from "./metrics.ts";
import type { RequestRecord } from "./request-record.ts";

/** One request's line, in the order it is written; `undefined` fields are left out, `null` ones kept. */
export interface AccessLine {
  requestId: string;
  method: string;
  path: string;
  api: string | null;
  status: number;
  outcome: string;
  latencyMs: number | undefined;
  keyName: string | null;
  session: string | undefined;
  model: string | undefined;
  servedModel: string | undefined;
  route: string | null;
  sensitivity: string | undefined;
  complexity: string | undefined;
  provider: string | null;
  upstreamModel: string | null;
  fallbacks: number | null;
  stream: boolean | undefined;
  cache: string | undefined;
  ttftMs: number | null;
  upstreamMs: number | undefined;
  overheadMs: number | undefined;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  warnings: string[] | undefined;
  error: string | undefined;
  streamError: string | undefined;
  /** Redacted bodies, only with `logging.bodies: true`: a JSON value of the request's own shape. */
  messages: unknown;
  input: unknown;
  completion: string | undefined;
}

/** What the line says of the request as it arrived. */
export interface ArrivedRequest {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The agent session the client named (already cut to a sane length), if any. */
  readonly session: string | undefined;
}

const ms = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100) / 100);

/** One request's line from what arrived, what the pipeline recorded and how it finished. */
export function accessLineOf(request: ArrivedRequest, r: RequestRecord, done: FinishedRequest): AccessLine {
  return {
    requestId: request.requestId,
    method: request.method,
    path: request.path,
    api: r.api ?? null,
    status: done.status,
    outcome: done.outcome,
    latencyMs: ms(done.durationMs),
    // The fields every line carries (null when they do not apply), so log queries can rely on them.
    keyName: r.keyName ?? null,
    session: request.session,
    model: r.model,
    servedModel: r.servedModel,
    route: r.route ?? null,
    sensitivity: r.sensitivity,
    complexity: r.complexity,
    provider: r.provider ?? null,
    upstreamModel: r.upstreamModel ?? null,
    fallbacks: r.fallbacks ?? null,
    stream: r.stream,
    cache: r.cache,
    ttftMs: ms(r.ttftMs) ?? null,
    upstreamMs: ms(r.upstreamMs),
    overheadMs: ms(done.overheadMs),
    promptTokens: r.promptTokens ?? null,
    completionTokens: r.completionTokens ?? null,
    costUsd: r.costUsd ?? null,
    warnings: r.warnings,
    error: r.error,
    streamError: r.streamError,
    messages: r.messages,
    input: r.input,
    completion: r.completion,
  };
}
