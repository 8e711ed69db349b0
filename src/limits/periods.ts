// Budget periods in UTC: a day from 00:00, a week from Monday 00:00, a month from the 1st; a
// `total` budget never resets. A period is named by its start, so each period has a counter of
// its own and rolling over is just counting under a new name.

export type BudgetPeriod = "day" | "week" | "month" | "total";

export interface PeriodBounds {
  /** Start, ms since the epoch (0 for `total`). */
  readonly start: number;
  /** End (the next period's start), or undefined for `total`. */
  readonly end: number | undefined;
}

const DAY_MS = 86_400_000;

export function periodBounds(period: BudgetPeriod, now: number): PeriodBounds {
  const at = new Date(now);
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (period) {
    case "day": {
      const start = Date.UTC(y, m, d);
      return { start, end: start + DAY_MS };
    }
    case "week": {
      // getUTCDay: 0 is Sunday; days since Monday are (day + 6) % 7.
      const start = Date.UTC(y, m, d) - ((at.getUTCDay() + 6) % 7) * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case "month":
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
    case "total":
      return { start: 0, end: undefined };
  }
}
