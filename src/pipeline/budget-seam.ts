// Where spend budgets plug into the pipeline: a reservation taken right after the rate limits
// admit the request, settled with the real usage when the answer is over (on every path).
// Only the seam exists here; the default reserves nothing and costs no await.
import type { PublicModel } from "../config/types.ts";
import type { TokenUsage } from "./front-door.ts";

export interface BudgetQuery {
  readonly keyName: string | undefined;
  readonly model: PublicModel;
  /** Receives `x-llm-budget-remaining-usd`. */
  readonly replyHeaders: Record<string, string>;
}

export interface BudgetReservation {
  /** Charges the real cost (nothing when `usage` is undefined: the request failed upstream). */
  settle(usage: TokenUsage | undefined): Promise<void> | undefined;
}

export interface Budgets {
  /** Reserves the worst-case cost, or throws the 429 `insufficient_quota` refusal. */
  reserve(query: BudgetQuery): Promise<BudgetReservation> | BudgetReservation;
}

const NOTHING_RESERVED: BudgetReservation = { settle: () => undefined };

export const noBudgets: Budgets = { reserve: () => NOTHING_RESERVED };
