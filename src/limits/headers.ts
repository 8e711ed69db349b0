// OpenAI's x-ratelimit-* headers. Where a key limit and a model limit both apply, the one
// closer to refusing (fewer remaining) is the one a client needs to pace itself by.
import type { BudgetStanding } from "./budget-standings.ts";
import { formatUsd } from "./spend.ts";
import type { BucketState, RateKind } from "./types.ts";

export type RateLimitHeaders = Record<string, string>;

/** OpenAI writes reset times as Go durations: "20ms", "1s", "8.64s", "6m0s", "1h2m3s". */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return "0s";
  if (total < 1_000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  const seconds = `${Math.floor(secondsMs / 1_000)}${fraction(secondsMs % 1_000)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

function fraction(ms: number): string {
  if (ms === 0) return "";
  return `.${String(ms).padStart(3, "0").replace(/0+$/, "")}`;
}

export function rateLimitHeaders(buckets: readonly BucketState[]): RateLimitHeaders {
  const headers: RateLimitHeaders = {};
  const requests = tightest(buckets, "requests", "model_requests");
  const tokens = tightest(buckets, "tokens", "model_tokens");
  if (requests !== undefined) write(headers, REQUEST_HEADERS, requests);
  if (tokens !== undefined) write(headers, TOKEN_HEADERS, tokens);
  return headers;
}

function tightest(buckets: readonly BucketState[], keyKind: RateKind, modelKind: RateKind): BucketState | undefined {
  let best: BucketState | undefined;
  for (const b of buckets) {
    if (b.kind !== keyKind && b.kind !== modelKind) continue;
    if (best === undefined || b.remaining < best.remaining) best = b;
  }
  return best;
}

interface UnitHeaders {
  readonly limit: string;
  readonly remaining: string;
  readonly reset: string;
}

const unitHeaders = (unit: "requests" | "tokens"): UnitHeaders => ({
  limit: `x-ratelimit-limit-${unit}`,
  remaining: `x-ratelimit-remaining-${unit}`,
  reset: `x-ratelimit-reset-${unit}`,
});
const REQUEST_HEADERS = unitHeaders("requests");
const TOKEN_HEADERS = unitHeaders("tokens");

function write(headers: RateLimitHeaders, names: UnitHeaders, bucket: BucketState): void {
  headers[names.limit] = String(bucket.limit);
  headers[names.remaining] = String(bucket.remaining);
  headers[names.reset] = formatResetDuration(bucket.resetMs);
}

export const BUDGET_REMAINING_HEADER = "x-llm-budget-remaining-usd";
/** Only on a value the store could not confirm for this response: when it was last read. */
export const BUDGET_AS_OF_HEADER = "x-llm-budget-as-of";

/** Puts a budgeted key's standing on `headers`, replacing an earlier one (and its as-of, if any). */
export function writeBudgetHeaders(headers: Record<string, string>, standing: BudgetStanding): void {
  headers[BUDGET_REMAINING_HEADER] = formatUsd(standing.remainingMicros);
  if (standing.asOf === undefined) Reflect.deleteProperty(headers, BUDGET_AS_OF_HEADER);
  else headers[BUDGET_AS_OF_HEADER] = new Date(standing.asOf).toISOString();
}
