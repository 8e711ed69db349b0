// The alert rules under Prometheus' own tools: `promtool check rules` validates them and
// `promtool test rules` runs the unit tests in config/prometheus-tests/, where each alert fires
// on the series that should fire it and stays quiet on healthy ones. Every alert must have
// both kinds of test, so a new alert without them fails here.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

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
  });
});

describe("alert rule unit tests", () => {
  it("cover every alert with a case where it fires and a case where it does not", () => {
    const cases = testFiles.flatMap((file) => (parseYaml(readFileSync(`${root}${file}`, "utf8")) as RuleTests).tests.flatMap((t) => t.alert_rule_test ?? []));
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    expect(alertNames.filter((name) => !fires.has(name))).toEqual([]);
    expect(alertNames.filter((name) => !quiet.has(name))).toEqual([]);
  });
});
