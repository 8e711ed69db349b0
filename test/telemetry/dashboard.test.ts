// The Grafana dashboard and the alert rules query only metrics and labels a real scrape of the
// gateway has, so a renamed metric or label breaks this test instead of silently blanking a
// panel or disarming an alert.
import Anthropic from "@anthropic-ai/sdk";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { histogramNames, parseSamples, scrapeText } from "./scrape.ts";
import { drain } from "../harness/client-calls.ts";

const root = new URL("../../", import.meta.url);
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}
const dashboard = JSON.parse(readFileSync(new URL("config/grafana-dashboard.json", root), "utf8")) as {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
};
const alerts = parseYaml(readFileSync(new URL("config/prometheus-alerts.yaml", root), "utf8")) as {
  groups: { name: string; rules: { alert?: string; expr?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
};

/** Every PromQL string in the dashboard: panel targets and template variable queries. */
function dashboardQueries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) dashboardQueries(item, out);
  else if (typeof node === "object" && node !== null) {
    for (const [name, value] of Object.entries(node)) {
      if ((name === "expr" || name === "definition") && typeof value === "string") out.push(value);
      else dashboardQueries(value, out);
    }
  }
  return out;
}

const alertQueries = () => alerts.groups.flatMap((g) => g.rules.map((r) => r.expr ?? ""));

interface Scraped {
  /** Declared families (from # TYPE lines). */
  families: Set<string>;
  histograms: Set<string>;
  /** Label names seen per sample name (histogram samples under their suffixed names). */
  labels: Map<string, Set<string>>;
}

function scraped(text: string): Scraped {
  const families = new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1] ?? ""));
  const labels = new Map<string, Set<string>>();
  for (const series of parseSamples(text).keys()) {
    const brace = series.indexOf("{");
    const name = brace < 0 ? series : series.slice(0, brace);
    const set = labels.get(name) ?? new Set<string>();
    for (const match of series.slice(brace + 1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(match[1] ?? "");
    labels.set(name, set);
  }
  return { families, histograms: histogramNames(text), labels };
}

/** What is wrong with one PromQL expression against a scrape; empty when nothing is. */
function problemsIn(expr: string, s: Scraped): string[] {
  const problems: string[] = [];
  const names = [...new Set([...expr.matchAll(/\bllm_gateway_[a-zA-Z0-9_]+\b/g)].map((m) => m[0]))];
  if (names.length === 0) problems.push(`no llm_gateway_ metric in: ${expr}`);
  for (const name of names) {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    const exists = s.families.has(name) || (base !== name && s.histograms.has(base));
    if (!exists) problems.push(`${name} is not in the scrape`);
  }
  // Label matchers right after a metric name must be labels that metric has.
  for (const match of expr.matchAll(/\b(llm_gateway_[a-zA-Z0-9_]+)\{([^}]*)\}/g)) {
    const known = s.labels.get(match[1] ?? "") ?? new Set<string>();
    for (const m of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
      if (!known.has(m[1] ?? "")) problems.push(`${match[1]} has no label ${m[1]}`);
    }
  }
  // Grouping labels must belong to some metric the expression reads.
  const available = new Set(names.flatMap((n) => [...(s.labels.get(n) ?? [])]));
  for (const match of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of (match[1] ?? "").split(",").map((l) => l.trim()).filter(Boolean)) {
      if (!available.has(label)) problems.push(`no metric in the expression has label ${label}: ${expr}`);
    }
  }
  for (const match of expr.matchAll(/label_values\((llm_gateway_[a-zA-Z0-9_]+),\s*([a-zA-Z_]+)\)/g)) {
    if (!s.labels.get(match[1] ?? "")?.has(match[2] ?? "")) problems.push(`${match[1]} has no label ${match[2]}`);
  }
  return problems;
}

describe("dashboard and alert rules against a real scrape", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  let s: Scraped;
  let text: string;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const price = { input_per_mtok: 1, output_per_mtok: 2 };
    gw = await startTestGateway({
      providers: openaiProviders({ primary: fake, backup: fake }),
      models: {
        fast: { targets: [{ provider: "primary", model: "m1" }, { provider: "backup", model: "m2" }], price },
        remembered: { targets: [{ provider: "primary", model: "m1" }], price, cache: true },
        vectors: { kind: "embeddings", targets: [{ provider: "primary", model: "e1" }], price },
      },
      // a budgeted key, so the budget gauges have their series
      keys: [{ name: "team", key: "sk-test", budget: { usd: 10, period: "month" } }],
      resilience: { retries: 1, backoff_ms: 0, max_backoff_ms: 0 },
    });
    // Traffic that makes every labelled series appear: a served stream, a retry and a fallback...
    fake.script({ status: 500 }, { status: 500 });
    const client = gw.client();
    const stream = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], stream: true });
    await drain(stream);
    // ...a cache miss and a hit, and every front door.
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: "remembered", messages: [{ role: "user", content: "same" }] });
    await client.embeddings.create({ model: "vectors", input: "hello" });
    await client.responses.create({ model: "fast", input: "hi" });
    const anthropic = new Anthropic({ apiKey: "sk-test", baseURL: gw.url, maxRetries: 0 });
    await anthropic.messages.create({ model: "fast", max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    await eventually(() => expect(requestLines(gw).length).toBeGreaterThanOrEqual(6));
    // Series that only the breakers, the limiter and the cache's Redis produce, through the methods they call.
    gw.running.metrics.breakerState("primary", "open");
    gw.running.metrics.rateLimited("requests", "anonymous");
    gw.running.metrics.storeError("redis");
    gw.running.metrics.storeError("cache");
    text = await scrapeText(`${gw.url}/metrics`);
    s = scraped(text);
  });
  afterAll(() => stopAll(gw, fake));

  it("finds nothing wrong in a query that is right, and flags names and labels that are not", () => {
    expect(problemsIn('sum by (model) (rate(llm_gateway_requests_total{key=~"$key"}[5m]))', s)).toEqual([]);
    expect(problemsIn("rate(llm_gateway_no_such_total[5m])", s)).toEqual(["llm_gateway_no_such_total is not in the scrape"]);
    expect(problemsIn("rate(llm_gateway_requests_total_bucket[5m])", s)).toHaveLength(1);
    expect(problemsIn('rate(llm_gateway_requests_total{colour="red"}[5m])', s)).toEqual(["llm_gateway_requests_total has no label colour"]);
    expect(problemsIn("sum by (colour) (rate(llm_gateway_requests_total[5m]))", s)).toHaveLength(1);
  });

  it("every dashboard query reads metrics and labels the gateway exposes", () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(20);
    expect(queries.flatMap((q) => problemsIn(q, s))).toEqual([]);
  });

  it("every alert rule reads metrics and labels the gateway exposes", () => {
    const queries = alertQueries();
    expect(queries.length).toBeGreaterThan(5);
    expect(queries.flatMap((q) => problemsIn(q, s))).toEqual([]);
  });

  it("the dashboard covers traffic, errors, latency, TTFT, tokens and cost by key and model, breakers, fallbacks and limits", () => {
    const all = dashboardQueries(dashboard).join("\n");
    for (const needed of [
      "llm_gateway_requests_total",
      "llm_gateway_request_duration_seconds_bucket",
      "llm_gateway_time_to_first_token_seconds_bucket",
      "llm_gateway_gateway_overhead_seconds_bucket",
      "llm_gateway_circuit_state",
      "llm_gateway_fallbacks_total",
      "llm_gateway_rate_limited_total",
      "llm_gateway_budget_spent_usd",
    ]) {
      expect(all).toContain(needed);
    }
    expect(all).toMatch(/sum by \(key[^)]*\) \(increase\(llm_gateway_tokens_total/);
    expect(all).toMatch(/sum by \(model[^)]*\) \(rate\(llm_gateway_tokens_total/);
    expect(all).toMatch(/sum by \(key\) \(increase\(llm_gateway_cost_usd_total/);
    expect(all).toMatch(/sum by \(model\) \(rate\(llm_gateway_cost_usd_total/);
  });

  it("the scrape has every front door, a cache hit and miss, and a budget, so the checks above read real series", () => {
    const values = (metric: string, label: string) =>
      [...parseSamples(text).keys()].filter((k) => k.startsWith(`${metric}{`)).map((k) => new RegExp(`${label}="([^"]*)"`).exec(k)?.[1]);
    expect(new Set(values("llm_gateway_requests_total", "api"))).toEqual(new Set(["chat", "embeddings", "messages", "responses"]));
    expect(values("llm_gateway_cache_hits_total", "model")).toContain("remembered");
    expect(values("llm_gateway_cache_misses_total", "model")).toContain("remembered");
    expect(values("llm_gateway_store_errors_total", "store")).toContain("cache");
    expect(values("llm_gateway_budget_spent_usd", "key")).toEqual(["team"]);
  });

  it("the dashboard filters by front door and has per-door errors, a cache row and budget panels", () => {
    const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);
    expect(variable("api")?.definition).toBe("label_values(llm_gateway_requests_total, api)");
    const panel = (title: string) => dashboard.panels.find((p) => p.title === title);
    const exprs = (title: string) => (panel(title)?.targets ?? []).map((t) => t.expr).join("\n");
    expect(exprs("Requests per second by model and front door")).toMatch(/sum by \(api, model\)/);
    expect(exprs("Error ratio by front door (5xx and broken streams)")).toMatch(/^sum by \(api\) \(rate\(llm_gateway_requests_total\{api=~"\$api".*status_class!="4xx".*\/ sum by \(api\)/);
    const rows = dashboard.panels.filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(expect.arrayContaining(["Response cache", "Budgets"]));
    expect(exprs("Cache hit ratio by model and front door")).toMatch(/llm_gateway_cache_hits_total[\s\S]*\/[\s\S]*llm_gateway_cache_misses_total/);
    expect(exprs("Cache hits and misses per second by tier")).toContain("sum by (tier) (rate(llm_gateway_cache_hits_total");
    expect(exprs("Cache store errors per second")).toContain('llm_gateway_store_errors_total{store="cache"}');
    expect(exprs("Limit store errors per second")).toContain('store!="cache"');
    expect(dashboard.panels.filter((p) => p.type !== "row" && p.title.startsWith("Budget"))).toHaveLength(4);
    expect(exprs("Budget spend held back by replicas (store unreachable)")).toContain("llm_gateway_budget_outbox_usd");
  });

  it("the alert rules cover error rate, breaker open, p99 latency and rate-limit saturation, each well formed", () => {
    const rules = alerts.groups.flatMap((g) => g.rules);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^LLMGateway[A-Za-z0-9]+$/);
      expect(rule.labels?.["severity"]).toMatch(/^(page|warning|info)$/);
      expect(rule.annotations?.["summary"]).toBeTruthy();
    }
    const exprOf = (name: string) => rules.find((r) => r.alert === name)?.expr ?? "";
    expect(exprOf("LLMGatewayHighErrorRate")).toContain("llm_gateway_requests_total");
    expect(exprOf("LLMGatewayCircuitOpen")).toContain("llm_gateway_circuit_state");
    expect(exprOf("LLMGatewayHighP99Latency")).toMatch(/histogram_quantile\(0\.99, .*llm_gateway_request_duration_seconds_bucket/);
    expect(exprOf("LLMGatewayRateLimitSaturation")).toContain("llm_gateway_rate_limited_total");
    expect(exprOf("LLMGatewayBudgetNearlySpent")).toMatch(/llm_gateway_budget_spent_usd[\s\S]*\/[\s\S]*llm_gateway_budget_limit_usd/);
    expect(exprOf("LLMGatewayFrontDoorErrorRate")).toContain("sum by (api)");
    expect(exprOf("LLMGatewayCacheStoreErrors")).toContain('llm_gateway_store_errors_total{store="cache"}');
    expect(exprOf("LLMGatewayLimitStoreErrors")).toContain('store!="cache"');
    expect(exprOf("LLMGatewayCacheHitRatioCollapsed")).toMatch(/llm_gateway_cache_hits_total\[1h\] offset 1d/);
  });
});
