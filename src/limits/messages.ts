// Client-facing refusal texts. Each names the limit that refused, its value and when to retry,
// the way OpenAI's own 429 messages do, so a user can tell a key limit from a shared one.
import type { BudgetLimit } from "./limit-sets.ts";
import type { PeriodBounds } from "./periods.ts";
import { formatUsd } from "./spend.ts";
import type { BudgetState, LimitKind } from "./types.ts";

interface Who {
  readonly keyName: string | undefined;
  readonly publicModel: string;
}

const WHAT: Record<LimitKind, string> = {
  requests: "requests per minute",
  tokens: "tokens per minute",
  concurrency: "concurrent requests",
  model_requests: "requests per minute",
  model_tokens: "tokens per minute",
  budget: "spend",
};

function scope(who: Who, kind: LimitKind): string {
  return kind === "model_requests" || kind === "model_tokens"
    ? `model "${who.publicModel}" (shared by all keys)`
    : `key "${who.keyName ?? ""}"`;
}

export function refusalMessage(
  who: Who,
  kind: LimitKind,
  limit: number,
  reservedTokens: number,
  retryAfterSeconds: number,
): string {
  const head = `Rate limit reached for ${scope(who, kind)} on ${WHAT[kind]}: limit ${limit}`;
  if (kind === "concurrency") return `${head} in flight. Try again when one of them has finished.`;
  const requested =
    kind === "tokens" || kind === "model_tokens"
      ? `, this request reserves ${reservedTokens} (prompt estimate + max tokens)`
      : "";
  return `${head}${requested}. Try again in ${retryAfterSeconds}s.`;
}

export function tooLargeMessage(who: Who, kind: "tokens" | "model_tokens", limit: number, promptTokens: number): string {
  return (
    `Request too large for ${scope(who, kind)} on tokens per minute: limit ${limit}, ` +
    `the prompt alone is about ${promptTokens} tokens. Shorten the messages; waiting will not help.`
  );
}

export function storeUnavailableMessage(): string {
  return "The gateway cannot reach its rate-limit store and is configured to refuse requests until it is back.";
}

const PER: Record<BudgetLimit["period"], string> = { day: "per day", week: "per week", month: "per month", total: "in total" };

export function budgetMessage(who: Who, budget: BudgetLimit, state: BudgetState, cost: number, bounds: PeriodBounds): string {
  const resets =
    bounds.end === undefined
      ? "This budget does not reset (period: total)."
      : `It resets at ${new Date(bounds.end).toISOString()}.`;
  return (
    `Budget exceeded for key "${who.keyName ?? ""}": $${budget.usd} ${PER[budget.period]} (UTC). ` +
    `Spent $${formatUsd(state.spent)}, $${formatUsd(state.held)} held by requests in flight; ` +
    `this request may cost up to $${formatUsd(cost)}. ${resets}`
  );
}
