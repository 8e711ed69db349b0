// Issue 7's targets for the gateway, checked against this run's medians.
import type { Profile } from "../scenarios/profile.ts";
import { addedOf, maxOf, medianOf, roundRatios, roundsOf, type RoundResults } from "./collect.ts";

interface Target {
  label: string;
  value(results: RoundResults): number;
  limit: number;
  /** "min": value must be at least the limit; "max": at most. */
  kind: "min" | "max";
  /** The value as each round alone gives it, where a round gives one: how far one run settles the verdict. */
  rounds?(results: RoundResults): number[];
}

const targets = (profile: Profile): Target[] => [
  { label: "req/s ≥ 0.6× undici proxy", value: (r) => medianOf(r, "throughput", "gateway", "rps") / medianOf(r, "throughput", "undici", "rps"), limit: 0.6, kind: "min", rounds: (r) => roundRatios(r, "throughput", "rps", "undici") },
  { label: "req/s ≥ 1.5× Hono+fetch", value: (r) => medianOf(r, "throughput", "gateway", "rps") / medianOf(r, "throughput", "hono-fetch", "rps"), limit: 1.5, kind: "min" },
  { label: "added p50 at concurrency 1 ≤ 0.5 ms", value: (r) => addedOf(r, "latency", "gateway", "p50"), limit: 0.5, kind: "max" },
  { label: "added p99 at concurrency 1 ≤ 2 ms", value: (r) => addedOf(r, "latency", "gateway", "p99"), limit: 2, kind: "max" },
  { label: "added stream TTFB p50 ≤ 1 ms", value: (r) => addedOf(r, "streams100", "gateway", "ttfbP50"), limit: 1, kind: "max" },
  { label: `${profile.streams1000.count} streams: no errors in any round`, value: (r) => maxOf(r, "streams1000", "gateway", "failures"), limit: 0, kind: "max" },
  { label: `${profile.streams1000.count} streams: RSS ≤ 150 MB (143 MiB)`, value: (r) => medianOf(r, "streams1000", "gateway", "rssPeak"), limit: 150e6 / 2 ** 20, kind: "max" },
  { label: "soak growth ≤ 0.5 MiB/min", value: (r) => medianOf(r, "soak", "gateway", "mibPerMin"), limit: 0.5, kind: "max" },
  { label: "cache hit req/s ≥ 1.0× undici proxy", value: (r) => medianOf(r, "cache", "gateway", "hitRps") / medianOf(r, "cache", "undici", "hitRps"), limit: 1, kind: "min", rounds: (r) => roundRatios(r, "cache", "hitRps", "undici") },
  { label: "cache miss CPU/request ≤ 1.05× cache off", value: (r) => medianOf(r, "cache", "gateway", "missCpuRatio"), limit: 1.05, kind: "max", rounds: (r) => roundsOf(r, "cache", "gateway", "missCpuRatio") },
  {
    label: "messages native lane: CPU per request ≤ 1.5× undici proxy",
    value: (r) => medianOf(r, "messages", "gateway", "cpuUsPerRequest") / medianOf(r, "messages", "undici", "cpuUsPerRequest"),
    rounds: (r) => roundRatios(r, "messages", "cpuUsPerRequest", "undici"),
    limit: 1.5,
    kind: "max",
  },
  {
    label: "responses native lane: CPU per request ≤ 1.5× undici proxy",
    value: (r) => medianOf(r, "responses", "gateway", "cpuUsPerRequest") / medianOf(r, "responses", "undici", "cpuUsPerRequest"),
    rounds: (r) => roundRatios(r, "responses", "cpuUsPerRequest", "undici"),
    limit: 1.5,
    kind: "max",
  },
  {
    label: "embeddings (OpenAI target): CPU per request ≤ 1.67× undici proxy",
    value: (r) => medianOf(r, "embeddings", "gateway", "cpuUsPerRequest") / medianOf(r, "embeddings", "undici", "cpuUsPerRequest"),
    rounds: (r) => roundRatios(r, "embeddings", "cpuUsPerRequest", "undici"),
    limit: 1.67,
    kind: "max",
  },
  { label: "cold start < 500 ms", value: (r) => medianOf(r, "coldstart", "gateway", "ms"), limit: 500, kind: "max" },
];

export function renderTargets(results: RoundResults, profile: Profile): string {
  const lines = ["| gateway target | this run | single rounds | |", "|---|---:|---:|---|"];
  for (const t of targets(profile)) {
    const value = t.value(results);
    const verdict = Number.isNaN(value) ? "not measured" : (t.kind === "min" ? value >= t.limit : value <= t.limit) ? "met" : "MISSED";
    const rounds = (t.rounds?.(results) ?? []).filter((v) => Number.isFinite(v));
    const spread = rounds.length > 1 ? `${Math.min(...rounds).toFixed(2)}–${Math.max(...rounds).toFixed(2)}` : "—";
    lines.push(`| ${t.label} | ${Number.isNaN(value) ? "—" : value.toFixed(2)} | ${spread} | ${verdict} |`);
  }
  return lines.join("\n");
}
