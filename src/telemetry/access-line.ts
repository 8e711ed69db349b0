// The access log line's fields, written as JSON text by hand: the set and order of fields are
// fixed, so walking them directly costs a fraction of `JSON.stringify` of an object, which
// looks up and type-checks every property on every request. The text is exactly what
// `JSON.stringify` of the same object gives (test/telemetry/access-line.test.ts checks that).
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

// What JSON must escape (quote, backslash, controls) and what it escapes when unpaired
// (surrogates); a string without any is written as it is.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON text, the same as `JSON.stringify(value)`. */
export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** A number as JSON text: non-finite numbers are `null`, as `JSON.stringify` writes them. */
const jsonNumber = (value: number): string => (Number.isFinite(value) ? `${value}` : "null");

const str = (name: string, value: string | undefined): string => (value === undefined ? "" : `,"${name}":${jsonString(value)}`);
const strOrNull = (name: string, value: string | null): string => `,"${name}":${value === null ? "null" : jsonString(value)}`;
const num = (name: string, value: number | undefined): string => (value === undefined ? "" : `,"${name}":${jsonNumber(value)}`);
const numOrNull = (name: string, value: number | null): string => `,"${name}":${value === null ? "null" : jsonNumber(value)}`;

/** Any value (bodies), through `JSON.stringify`; left out when it has no JSON form, as in an object. */
function value(name: string, v: unknown): string {
  if (v === undefined) return "";
  const text = JSON.stringify(v) as string | undefined;
  return text === undefined ? "" : `,"${name}":${text}`;
}

function strings(name: string, values: string[] | undefined): string {
  if (values === undefined) return "";
  let out = "";
  for (const v of values) out += `,${jsonString(v)}`;
  return `,"${name}":[${out.slice(1)}]`;
}

/** The line's members as JSON text, each one preceded by a comma (`,"requestId":"…",…`). */
export function accessLineMembers(l: AccessLine): string {
  return (
    str("requestId", l.requestId) +
    str("method", l.method) +
    str("path", l.path) +
    strOrNull("api", l.api) +
    num("status", l.status) +
    str("outcome", l.outcome) +
    num("latencyMs", l.latencyMs) +
    strOrNull("keyName", l.keyName) +
    str("session", l.session) +
    str("model", l.model) +
    str("servedModel", l.servedModel) +
    strOrNull("route", l.route) +
    str("sensitivity", l.sensitivity) +
    str("complexity", l.complexity) +
    strOrNull("provider", l.provider) +
    strOrNull("upstreamModel", l.upstreamModel) +
    numOrNull("fallbacks", l.fallbacks) +
    (l.stream === undefined ? "" : `,"stream":${l.stream ? "true" : "false"}`) +
    str("cache", l.cache) +
    numOrNull("ttftMs", l.ttftMs) +
    num("upstreamMs", l.upstreamMs) +
    num("overheadMs", l.overheadMs) +
    numOrNull("promptTokens", l.promptTokens) +
    numOrNull("completionTokens", l.completionTokens) +
    numOrNull("costUsd", l.costUsd) +
    strings("warnings", l.warnings) +
    str("error", l.error) +
    str("streamError", l.streamError) +
    value("messages", l.messages) +
    value("input", l.input) +
    str("completion", l.completion)
  );
}
