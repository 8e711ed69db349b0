import { describe, expect, it } from "vitest";
import { periodBounds, type BudgetPeriod } from "../../src/limits/periods.ts";

const iso = (period: BudgetPeriod, at: string) => {
  const { start, end } = periodBounds(period, Date.parse(at));
  return [new Date(start).toISOString(), end === undefined ? undefined : new Date(end).toISOString()];
};

describe("budget periods (UTC)", () => {
  it("starts a day at 00:00 UTC", () => {
    expect(iso("day", "2025-03-02T23:59:59.999Z")).toEqual(["2025-03-02T00:00:00.000Z", "2025-03-03T00:00:00.000Z"]);
    expect(iso("day", "2025-03-03T00:00:00.000Z")).toEqual(["2025-03-03T00:00:00.000Z", "2025-03-04T00:00:00.000Z"]);
  });

  it("starts a week on Monday, Sunday included in the week before", () => {
    expect(iso("week", "2025-03-02T12:00:00Z")).toEqual(["2025-02-24T00:00:00.000Z", "2025-03-03T00:00:00.000Z"]);
    expect(iso("week", "2025-03-03T00:00:00Z")).toEqual(["2025-03-03T00:00:00.000Z", "2025-03-10T00:00:00.000Z"]);
    expect(iso("week", "2024-12-31T08:00:00Z")).toEqual(["2024-12-30T00:00:00.000Z", "2025-01-06T00:00:00.000Z"]);
  });

  it("starts a month on the 1st, across year ends and leap days", () => {
    expect(iso("month", "2024-02-29T23:00:00Z")).toEqual(["2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]);
    expect(iso("month", "2024-12-31T23:59:59Z")).toEqual(["2024-12-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"]);
  });

  it("never ends a total budget", () => {
    expect(periodBounds("total", Date.parse("2025-03-02T12:00:00Z"))).toEqual({ start: 0, end: undefined });
  });
});
