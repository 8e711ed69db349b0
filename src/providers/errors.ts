// The one failure type adapters throw, so the executor never inspects SDK-specific errors.

/** The OpenAI error envelope fields, as an upstream reported them (when it did). */
export interface UpstreamErrorBody {
  message: string;
  type?: string | undefined;
  param?: string | null | undefined;
  code?: string | number | null | undefined;
}

export type UpstreamFailure =
  | "http" //          the upstream answered with an error status
  | "connection" //    refused, reset, DNS, TLS: nothing usable came back
  | "timeout" //       first-byte or total timeout
  | "stream" //        the stream broke or reported an error after it started
  | "malformed" //     a 2xx answer that breaks the contract (wrong vector count or width): the same
  //                   target would answer the same, so not retryable, but another target may serve
  | "aborted"; //      the client went away; never retried, never counted against the provider

export interface UpstreamErrorInit {
  provider: string;
  status: number;
  failure: UpstreamFailure;
  message: string;
  retryable?: boolean;
  retryAfterMs?: number | undefined;
  body?: UpstreamErrorBody | undefined;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  readonly provider: string;
  /** HTTP status from the upstream; 502 for connection and stream faults, 504 for timeouts. */
  readonly status: number;
  readonly failure: UpstreamFailure;
  /** Another try (same or next target) could succeed. */
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly body: UpstreamErrorBody | undefined;

  constructor(init: UpstreamErrorInit) {
    super(init.message, { cause: init.cause });
    this.provider = init.provider;
    this.status = init.status;
    this.failure = init.failure;
    this.retryable = init.retryable ?? isRetryableStatus(init.status, init.failure);
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
  }

  /** Faults of the upstream itself: these count against its circuit breaker (4xx never do). */
  get isUpstreamFault(): boolean {
    return this.failure !== "aborted" && (this.status >= 500 || this.failure !== "http");
  }
}

export function isRetryableStatus(status: number, failure: UpstreamFailure): boolean {
  if (failure === "aborted" || failure === "malformed") return false;
  if (failure !== "http") return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `Retry-After` (seconds or HTTP date) and OpenAI's `retry-after-ms`, in milliseconds. */
export function parseRetryAfter(
  header: string | string[] | null | undefined,
  msHeader?: string | string[] | null,
  now = Date.now(),
): number | undefined {
  const ms = first(msHeader);
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const raw = first(header);
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function first(value: string | string[] | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}
