// The results table (Markdown, printed and pasted into the README as is), with ratios to the
// direct arm (×D) and to the bare undici proxy (×U).
import type { ArmName } from "../harness/arms.ts";
import type { Profile } from "../scenarios/profile.ts";
import { addedOf, medianOf, type RoundResults } from "./collect.ts";

interface Row {
  label: string;
  scenario: string;
  metric: string;
  /** "added": the arm minus the direct arm, paired per round. */
  mode: "abs" | "added";
  ratios: "D+U" | "U" | "none";
  digits: number;
}

function rows(profile: Profile): Row[] {
  const s100 = profile.streams100;
  const s1k = profile.streams1000;
  return [
    { label: "req/s at concurrency 64", scenario: "throughput", metric: "rps", mode: "abs", ratios: "D+U", digits: 0 },
    { label: "arm CPU per request at concurrency 64 (µs)", scenario: "throughput", metric: "cpuUsPerRequest", mode: "abs", ratios: "U", digits: 0 },
    { label: "added latency p50, concurrency 1 (ms)", scenario: "latency", metric: "p50", mode: "added", ratios: "U", digits: 3 },
    { label: "added latency p99, concurrency 1 (ms)", scenario: "latency", metric: "p99", mode: "added", ratios: "U", digits: 3 },
    { label: `p99 at ${profile.fixedRate} req/s, autocannon, raw (ms)`, scenario: "rate500", metric: "p99", mode: "abs", ratios: "D+U", digits: 2 },
    { label: `p99 at ${profile.fixedRate} req/s, autocannon histogram (ms)`, scenario: "rate500", metric: "autocannonP99", mode: "abs", ratios: "none", digits: 0 },
    { label: `p99 at ${profile.fixedRate} req/s, paced open loop (ms)`, scenario: "rate500", metric: "pacedP99", mode: "abs", ratios: "D+U", digits: 2 },
    { label: `added TTFB p50, ${s100.count} streams (ms)`, scenario: "streams100", metric: "ttfbP50", mode: "added", ratios: "U", digits: 2 },
    { label: `chunk gap p50 / fake ${s100.intervalMs} ms, ${s100.count} streams`, scenario: "streams100", metric: "gapP50", mode: "abs", ratios: "none", digits: 1 },
    { label: `chunk gap p99, ${s100.count} streams (ms)`, scenario: "streams100", metric: "gapP99", mode: "abs", ratios: "none", digits: 1 },
    { label: `bunched frames, ${s100.count} streams (%)`, scenario: "streams100", metric: "bunchedPct", mode: "abs", ratios: "none", digits: 1 },
    { label: `added TTFB p50, ${s1k.count} streams (ms)`, scenario: "streams1000", metric: "ttfbP50", mode: "added", ratios: "U", digits: 2 },
    { label: `chunk gap p50 / fake ${s1k.intervalMs} ms, ${s1k.count} streams`, scenario: "streams1000", metric: "gapP50", mode: "abs", ratios: "none", digits: 1 },
    { label: `chunk gap p99, ${s1k.count} streams (ms)`, scenario: "streams1000", metric: "gapP99", mode: "abs", ratios: "none", digits: 1 },
    { label: `bunched frames, ${s1k.count} streams (%)`, scenario: "streams1000", metric: "bunchedPct", mode: "abs", ratios: "none", digits: 1 },
    { label: `stream errors + incomplete, ${s1k.count} streams`, scenario: "streams1000", metric: "failures", mode: "abs", ratios: "none", digits: 0 },
    { label: "RSS idle, after warm-up (MiB)", scenario: "idle", metric: "rss", mode: "abs", ratios: "U", digits: 1 },
    { label: `RSS at ${s1k.count} streams (MiB)`, scenario: "streams1000", metric: "rssPeak", mode: "abs", ratios: "U", digits: 1 },
    { label: `RSS ${profile.settleMs / 1000} s after (MiB)`, scenario: "streams1000", metric: "rssAfter", mode: "abs", ratios: "U", digits: 1 },
    { label: "cold start to first 200 (ms)", scenario: "coldstart", metric: "ms", mode: "abs", ratios: "U", digits: 0 },
    { label: "added p50, 1k-token body (ms)", scenario: "bodies", metric: "p50_1k", mode: "added", ratios: "U", digits: 2 },
    { label: "added p50, 10k-token body (ms)", scenario: "bodies", metric: "p50_10k", mode: "added", ratios: "U", digits: 2 },
    { label: "added p50, 100k-token body (ms)", scenario: "bodies", metric: "p50_100k", mode: "added", ratios: "U", digits: 2 },
    { label: "embeddings req/s at concurrency 64", scenario: "embeddings", metric: "rps", mode: "abs", ratios: "D+U", digits: 0 },
    { label: "embeddings arm CPU per request (µs)", scenario: "embeddings", metric: "cpuUsPerRequest", mode: "abs", ratios: "U", digits: 0 },
    { label: "embeddings added p50, concurrency 1 (ms)", scenario: "embeddings", metric: "p50", mode: "added", ratios: "U", digits: 3 },
    { label: "responses (native lane) req/s at concurrency 64", scenario: "responses", metric: "rps", mode: "abs", ratios: "D+U", digits: 0 },
    { label: "responses arm CPU per request (µs)", scenario: "responses", metric: "cpuUsPerRequest", mode: "abs", ratios: "U", digits: 0 },
    { label: "responses added p50, concurrency 1 (ms)", scenario: "responses", metric: "p50", mode: "added", ratios: "U", digits: 3 },
    { label: "responses (translated to Messages) req/s at concurrency 64", scenario: "responses-tr", metric: "rps", mode: "abs", ratios: "none", digits: 0 },
    { label: "responses (translated to Messages) CPU per request (µs)", scenario: "responses-tr", metric: "cpuUsPerRequest", mode: "abs", ratios: "none", digits: 0 },
    { label: "responses (translated to Messages) p50, concurrency 1 (ms)", scenario: "responses-tr", metric: "p50", mode: "abs", ratios: "none", digits: 3 },
    { label: "cache hit req/s at concurrency 64", scenario: "cache", metric: "hitRps", mode: "abs", ratios: "D+U", digits: 0 },
    { label: "cache hit CPU per request (µs)", scenario: "cache", metric: "hitCpuUs", mode: "abs", ratios: "U", digits: 0 },
    { label: "cache miss (new prompt) CPU per request (µs)", scenario: "cache", metric: "missCpuUs", mode: "abs", ratios: "none", digits: 0 },
    { label: "cache off, the miss's prompts, CPU per request (µs)", scenario: "cache", metric: "offCpuUs", mode: "abs", ratios: "none", digits: 0 },
    { label: "cache miss / cache off, CPU per request", scenario: "cache", metric: "missCpuRatio", mode: "abs", ratios: "none", digits: 3 },
    { label: "cache refresh (no-cache) / cache off, CPU per request", scenario: "cache", metric: "refreshCpuRatio", mode: "abs", ratios: "none", digits: 3 },
    { label: "messages (native) req/s at concurrency 64", scenario: "messages", metric: "rps", mode: "abs", ratios: "D+U", digits: 0 },
    { label: "messages (native) arm CPU per request (µs)", scenario: "messages", metric: "cpuUsPerRequest", mode: "abs", ratios: "U", digits: 0 },
    { label: "messages (native) added p50, concurrency 1 (ms)", scenario: "messages", metric: "p50", mode: "added", ratios: "U", digits: 3 },
    { label: "messages (translated) req/s at concurrency 64", scenario: "messages-tr", metric: "rps", mode: "abs", ratios: "none", digits: 0 },
    { label: "messages (translated) CPU per request (µs)", scenario: "messages-tr", metric: "cpuUsPerRequest", mode: "abs", ratios: "none", digits: 0 },
    { label: "messages (translated) p50, concurrency 1 (ms)", scenario: "messages-tr", metric: "p50", mode: "abs", ratios: "none", digits: 3 },
    { label: "messages (native) stream: CPU per upstream chunk (µs)", scenario: "chunks", metric: "messagesUsPerChunk", mode: "abs", ratios: "U", digits: 1 },
    { label: "messages (translated) stream: CPU per upstream chunk (µs)", scenario: "chunks", metric: "messagesTrUsPerChunk", mode: "abs", ratios: "none", digits: 1 },
    { label: "responses (translated) stream: CPU per upstream chunk (µs)", scenario: "chunks", metric: "responsesTrUsPerChunk", mode: "abs", ratios: "none", digits: 1 },
    { label: "added cost of one fallback, p50 (ms)", scenario: "fallback", metric: "addedP50", mode: "abs", ratios: "none", digits: 2 },
    { label: `storm of ${profile.stormStreams} aborts: upstream streams left`, scenario: "storm", metric: "leakedUpstream", mode: "abs", ratios: "none", digits: 0 },
    { label: "storm: upstream sockets above baseline", scenario: "storm", metric: "extraSockets", mode: "abs", ratios: "none", digits: 0 },
    { label: "storm: settle time (ms)", scenario: "storm", metric: "settleMs", mode: "abs", ratios: "none", digits: 0 },
    { label: "storm: RSS after (MiB)", scenario: "storm", metric: "rssAfter", mode: "abs", ratios: "U", digits: 1 },
    { label: "soak: RSS growth (MiB/min)", scenario: "soak", metric: "mibPerMin", mode: "abs", ratios: "none", digits: 2 },
  ];
}

export interface Column {
  name: ArmName;
  label: string;
}

function fmt(value: number, digits: number): string {
  if (Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ratio = (value: number, reference: number): string =>
  Number.isFinite(value) && Number.isFinite(reference) && reference !== 0 ? `${(value / reference).toFixed(2)}×` : "—";

function valueOf(results: RoundResults, row: Row, arm: ArmName): number {
  return row.mode === "added" ? addedOf(results, row.scenario, arm, row.metric) : medianOf(results, row.scenario, arm, row.metric);
}

export function renderTable(results: RoundResults, columns: readonly Column[], profile: Profile): string {
  const lines = [
    `| metric (median of rounds) | ${columns.map((c) => c.label).join(" | ")} |`,
    `|---|${columns.map(() => "---:").join("|")}|`,
  ];
  for (const row of rows(profile)) {
    if (!results.has(row.scenario)) continue;
    const cells = columns.map((column) => {
      if (row.mode === "added" && column.name === "direct") return "ref";
      const value = valueOf(results, row, column.name);
      if (Number.isNaN(value)) return "—";
      const parts: string[] = [];
      if (row.ratios === "D+U" && column.name !== "direct") parts.push(`${ratio(value, valueOf(results, row, "direct"))}D`);
      if (row.ratios !== "none" && column.name !== "undici" && column.name !== "direct") parts.push(`${ratio(value, valueOf(results, row, "undici"))}U`);
      return parts.length > 0 ? `${fmt(value, row.digits)} (${parts.join(" ")})` : fmt(value, row.digits);
    });
    if (cells.every((c) => c === "—" || c === "ref")) continue;
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
