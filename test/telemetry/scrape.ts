// Scrapes /metrics, parses it with a real Prometheus text parser, and flattens it into
// `name{label="value",...}` → number (labels sorted), histograms as their _bucket, _sum and
// _count series.
import { expect } from "vitest";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

export type Samples = Map<string, number>;

export function seriesName(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return parts.length > 0 ? `${name}{${parts.join(",")}}` : name;
}

/**
 * Parses exposition text into flat samples. The parser folds all of a labelled histogram's
 * series into one and drops their labels (yunyu/parse-prometheus-text-format#13), so
 * histograms are declared untyped first: each _bucket, _sum and _count line then parses as
 * a sample of its own, labels kept.
 */
export function parseSamples(text: string): Samples {
  const families: ParsedFamily[] = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"));
  const out: Samples = new Map();
  for (const family of families) {
    for (const sample of family.metrics) out.set(seriesName(family.name, sample.labels ?? {}), Number(sample.value));
  }
  return out;
}

/** Names of the histogram families the text declares. */
export function histogramNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((match) => match[1] ?? ""));
}

export async function scrapeText(url: string, token?: string): Promise<string> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

export async function scrape(url: string, token?: string): Promise<Samples> {
  return parseSamples(await scrapeText(url, token));
}

/** The gateway's own metrics (not the default process ones) that moved, by how much. */
export function moved(before: Samples, after: Samples): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of after) {
    if (!name.startsWith("llm_gateway_") || /^llm_gateway_(process|nodejs)_/.test(name)) continue;
    // Bucket placement and sums depend on timing; the count and the +Inf bucket do not.
    if (name.includes("_bucket{") && !name.includes('le="+Inf"')) continue;
    if (name.includes("_seconds_sum")) continue;
    if (name.startsWith("llm_gateway_inflight_requests") || name.startsWith("llm_gateway_circuit_state")) continue;
    const delta = value - (before.get(name) ?? 0);
    if (delta !== 0) out[name] = delta;
  }
  return out;
}

/** Exactly these series moved, by exactly these amounts (money to 12 decimals: it is a float sum). */
export function expectMoved(actual: Record<string, number>, expected: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, value] of Object.entries(expected)) {
    if (Number.isInteger(value)) expect(actual[name], name).toBe(value);
    else expect(actual[name], name).toBeCloseTo(value, 12);
  }
}
