// The alert rules under Prometheus' own tools: `promtool check rules` validates them and
// `promtool test rules` runs the unit tests in config/prometheus-tests/, where each alert fires
// on the series that should fire it and stays quiet on healthy ones. Every alert must have
// both kinds of test, so a new alert without them fails here. The dashboard's queries go through
// the same parser, as recording rules with Grafana's variables filled in.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));
const RULES = "config/prometheus-alerts.yaml";
const TESTS_DIR = "config/prometheus-tests";
const promtool = process.env["PROMTOOL"] ?? findOnPath("promtool");
if (promtool === undefined) console.warn("alert rule tests skipped: promtool not found (apt-get install prometheus, or set PROMTOOL)");

function findOnPath(name: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

interface RuleTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const testFiles = readdirSync(new URL(`../../${TESTS_DIR}/`, import.meta.url)).filter((f) => f.endsWith(".yaml")).map((f) => `${TESTS_DIR}/${f}`);
const alertNames = (parseYaml(readFileSync(`${root}${RULES}`, "utf8")) as { groups: { rules: { alert?: string }[] }[] }).groups.flatMap((g) =>
  g.rules.flatMap((r) => (r.alert ? [r.alert] : [])),
);

describe.skipIf(promtool === undefined)("alert rules under promtool", () => {
  const run = (...args: string[]) => spawnSync(promtool ?? "promtool", args, { cwd: root, encoding: "utf8" });

  it("pass promtool check rules", () => {
    const result = run("check", "rules", RULES);
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${alertNames.length} rules found`);
    expect(result.status).toBe(0);
  });

  it("pass their unit tests: each alert fires on its failure and stays quiet on healthy series", () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const result = run("test", "rules", ...testFiles);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  }, 60_000);

  it("parse the dashboard's queries too, with its variables filled in", () => {
    const filled = dashboardExprs().map((expr, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr.replaceAll("$__rate_interval", "5m").replaceAll("$__range", "6h").replace(/\$(api|model|key)\b/g, ".*"),
    }));
    const dir = mkdtempSync(join(tmpdir(), "dashboard-rules-"));
    try {
      const file = join(dir, "dashboard.yaml");
      writeFileSync(file, toYaml({ groups: [{ name: "dashboard", rules: filled }] }));
      const result = run("check", "rules", file);
      expect(result.stdout + result.stderr).toContain(`SUCCESS: ${filled.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Every panel query (`expr`) in the Grafana dashboard. */
function dashboardExprs(): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === "object" && node !== null)
      for (const [name, value] of Object.entries(node)) {
        if (name === "expr" && typeof value === "string") out.push(value);
        else walk(value);
      }
  };
  walk(JSON.parse(readFileSync(`${root}config/grafana-dashboard.json`, "utf8")));
  return out;
}

describe("alert rule unit tests", () => {
  it("cover every alert with a case where it fires and a case where it does not", () => {
    const cases = testFiles.flatMap((file) => (parseYaml(readFileSync(`${root}${file}`, "utf8")) as RuleTests).tests.flatMap((t) => t.alert_rule_test ?? []));
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    expect(alertNames.filter((name) => !fires.has(name))).toEqual([]);
    expect(alertNames.filter((name) => !quiet.has(name))).toEqual([]);
  });
});
