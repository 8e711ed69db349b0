// Per-round results and their medians. "Added" values are paired with the direct arm's value in
// the same round before taking the median, so drift between rounds cancels out.
import type { ArmName } from "../harness/arms.ts";
import { median } from "../load/stats.ts";
import type { Metrics } from "../scenarios/types.ts";

export type RoundResults = Map<string, Map<ArmName, Metrics[]>>;

export function record(results: RoundResults, scenario: string, arm: ArmName, metrics: Metrics): void {
  let byArm = results.get(scenario);
  if (!byArm) {
    byArm = new Map();
    results.set(scenario, byArm);
  }
  const rounds = byArm.get(arm) ?? [];
  rounds.push(metrics);
  byArm.set(arm, rounds);
}

export function medianOf(results: RoundResults, scenario: string, arm: ArmName, metric: string): number {
  const rounds = results.get(scenario)?.get(arm) ?? [];
  return median(rounds.map((m) => m[metric] ?? Number.NaN));
}

/** Each round's value of `metric`, in round order (NaN where a round lacks it). */
export function roundsOf(results: RoundResults, scenario: string, arm: ArmName, metric: string): number[] {
  return (results.get(scenario)?.get(arm) ?? []).map((m) => m[metric] ?? Number.NaN);
}

/** Each round's ratio of the gateway's `metric` to another arm's, measured in that same round. */
export function roundRatios(results: RoundResults, scenario: string, metric: string, against: ArmName): number[] {
  const other = roundsOf(results, scenario, against, metric);
  return roundsOf(results, scenario, "gateway", metric).map((value, i) => value / (other[i] ?? Number.NaN));
}

/** Worst round (largest value); for counts that must be zero in every round. */
export function maxOf(results: RoundResults, scenario: string, arm: ArmName, metric: string): number {
  const values = (results.get(scenario)?.get(arm) ?? []).map((m) => m[metric] ?? Number.NaN).filter((v) => !Number.isNaN(v));
  return values.length > 0 ? Math.max(...values) : Number.NaN;
}

/** Median over rounds of (arm − direct) for the same round. */
export function addedOf(results: RoundResults, scenario: string, arm: ArmName, metric: string): number {
  const byArm = results.get(scenario);
  const own = byArm?.get(arm) ?? [];
  const direct = byArm?.get("direct") ?? [];
  const diffs: number[] = [];
  for (let i = 0; i < Math.min(own.length, direct.length); i++) {
    diffs.push((own[i]?.[metric] ?? Number.NaN) - (direct[i]?.[metric] ?? Number.NaN));
  }
  return median(diffs);
}

/** A plain JSON view: scenario → arm → { rounds, median per metric }. */
export function toJson(results: RoundResults): Record<string, Record<string, { rounds: Metrics[]; median: Metrics }>> {
  const out: Record<string, Record<string, { rounds: Metrics[]; median: Metrics }>> = {};
  for (const [scenario, byArm] of results) {
    const arms: Record<string, { rounds: Metrics[]; median: Metrics }> = {};
    for (const [arm, rounds] of byArm) {
      const med: Metrics = {};
      const names = new Set(rounds.flatMap((m) => Object.keys(m)));
      for (const name of names) med[name] = median(rounds.map((m) => m[name] ?? Number.NaN));
      arms[arm] = { rounds, median: med };
    }
    out[scenario] = arms;
  }
  return out;
}
