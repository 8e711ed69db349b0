// The bench's pure parts: order statistics, flag parsing, per-round pairing and the table.
import { describe, expect, it } from "vitest";
import { headerPair, optionalNumberFlag, parseFlags } from "../../bench/cli/flags.ts";
import { addedOf, maxOf, medianOf, record, roundRatios, type RoundResults } from "../../bench/report/collect.ts";
import { renderTable } from "../../bench/report/table.ts";
import { renderTargets } from "../../bench/report/targets.ts";
import { median, percentile, Samples, slope } from "../../bench/load/stats.ts";
import { fullProfile } from "../../bench/scenarios/profile.ts";

describe("stats", () => {
  it("takes nearest-rank percentiles of sorted samples", () => {
    const s = new Samples();
    for (let i = 100; i >= 1; i--) s.push(i);
    const sorted = s.sorted();
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(new Float64Array(), 50)).toBeNaN();
  });

  it("grows past its initial capacity", () => {
    const s = new Samples();
    for (let i = 0; i < 5_000; i++) s.push(i);
    expect(s.length).toBe(5_000);
    expect(s.sorted()[4_999]).toBe(4_999);
  });

  it("takes medians that skip NaN", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it("fits a least-squares slope", () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([1], [1])).toBeNaN();
  });
});

describe("flags", () => {
  it("reads values, booleans and key=value", () => {
    const flags = parseFlags(["--quick", "--only", "gateway,latency", "--json=out.json", "--rounds", "3"]);
    expect(flags.get("quick")).toBe("true");
    expect(flags.get("only")).toBe("gateway,latency");
    expect(flags.get("json")).toBe("out.json");
    expect(flags.get("rounds")).toBe("3");
  });

  it("reads an optional number and a header pair", () => {
    const flags = parseFlags(["--rate", "3000", "--header", "Cache-Control:  no-cache"]);
    expect(optionalNumberFlag(flags, "rate")).toBe(3000);
    expect(optionalNumberFlag(flags, "seconds")).toBeUndefined();
    expect(headerPair(flags.get("header"))).toEqual({ "cache-control": "no-cache" });
    expect(headerPair(undefined)).toEqual({});
    expect(() => headerPair("no-colon")).toThrow('--header must be "name: value"');
  });
});

describe("results", () => {
  const results: RoundResults = new Map();
  // direct drifts between rounds; the arm stays exactly 0.5 ms above it in each round
  for (const [direct, undici] of [[1, 1.5], [2, 2.5], [10, 10.5]] as const) {
    record(results, "latency", "direct", { p50: direct });
    record(results, "latency", "undici", { p50: undici });
  }
  record(results, "throughput", "direct", { rps: 10_000 });
  record(results, "throughput", "undici", { rps: 4_000 });
  record(results, "throughput", "hono-fetch", { rps: 1_000 });
  record(results, "streams1000", "undici", { failures: 0 });
  record(results, "streams1000", "undici", { failures: 3 });

  it("pairs added values with the direct arm's value in the same round", () => {
    expect(addedOf(results, "latency", "undici", "p50")).toBeCloseTo(0.5);
    expect(medianOf(results, "latency", "undici", "p50")).toBe(2.5);
  });

  it("keeps the worst round for counts that must stay zero", () => {
    expect(maxOf(results, "streams1000", "undici", "failures")).toBe(3);
  });

  it("renders a Markdown table with ratios to direct and to undici", () => {
    const table = renderTable(
      results,
      [
        { name: "direct", label: "direct" },
        { name: "undici", label: "undici proxy" },
        { name: "hono-fetch", label: "Hono+fetch" },
      ],
      fullProfile,
    );
    const lines = table.split("\n");
    expect(lines[0]).toBe("| metric (median of rounds) | direct | undici proxy | Hono+fetch |");
    expect(lines).toContain("| req/s at concurrency 64 | 10,000 | 4,000 (0.40×D) | 1,000 (0.10×D 0.25×U) |");
    expect(lines).toContain("| added latency p50, concurrency 1 (ms) | ref | 0.500 | — |");
    // rows with no measurement at all are left out
    expect(table).not.toContain("fallback");
  });

  it("reports a target as not measured when its arm did not run", () => {
    expect(renderTargets(results, fullProfile)).toContain("| req/s ≥ 0.6× undici proxy | — | — | not measured |");
  });

  it("shows how far single rounds spread around a target's value, each round against the same round's arm", () => {
    const lanes: RoundResults = new Map();
    // the two arms drift together: every round alone says 1.4× or 1.6×, the medians 1.5×
    for (const [undici, gateway] of [[100, 140], [200, 320], [150, 225]] as const) {
      record(lanes, "messages", "undici", { cpuUsPerRequest: undici });
      record(lanes, "messages", "gateway", { cpuUsPerRequest: gateway });
    }
    for (const ratio of [1.02, 1.09, 1.04]) record(lanes, "cache", "gateway", { missCpuRatio: ratio });
    expect(roundRatios(lanes, "messages", "cpuUsPerRequest", "undici")).toEqual([1.4, 1.6, 1.5]);
    const table = renderTargets(lanes, fullProfile);
    expect(table).toContain("| messages native lane: CPU per request ≤ 1.5× undici proxy | 1.50 | 1.40–1.60 | met |");
    expect(table).toContain("| cache miss CPU/request ≤ 1.05× cache off | 1.04 | 1.02–1.09 | met |");
    expect(table).toContain("| cold start < 500 ms | — | — | not measured |");
  });
});
