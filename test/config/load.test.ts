import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { configFromObject, loadConfigFile, parseConfig } from "../../src/config/load.ts";
import { interpolate } from "../../src/config/interpolate.ts";

const minimal = {
  providers: { up: { type: "openai", base_url: "http://127.0.0.1:1/v1" } },
  models: { m: { targets: [{ provider: "up", model: "x" }] } },
};

function problemsOf(tree: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    configFromObject(tree, "test", env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("interpolation", () => {
  it("substitutes ${VAR} and ${VAR:-default} and records what is unset", () => {
    const { value, missing } = interpolate(
      { a: "${A}", b: "x-${B:-fallback}-y", c: ["${C}"], n: "${PORT:-8080}", flag: "${ON:-true}", d: { e: "${NOPE}" } },
      { A: "alpha", C: "gamma" },
    );
    expect(value).toEqual({ a: "alpha", b: "x-fallback-y", c: ["gamma"], n: 8080, flag: true, d: { e: "" } });
    expect([...missing]).toEqual([["d.e", ["NOPE"]]]);
  });

  it("treats an empty variable as unset so the default applies", () => {
    expect(interpolate({ v: "${E:-dflt}" }, { E: "" }).value).toEqual({ v: "dflt" });
  });

  it("does not re-interpret substituted text as YAML", () => {
    const config = parseConfig(
      "providers:\n  up: { type: openai, api_key: '${K}', base_url: 'http://127.0.0.1:1/v1' }\nmodels:\n  m: { targets: [{ provider: up, model: x }] }\n",
      "inline",
      { K: "a: b\n- c" },
    );
    const up = config.providers.get("up")?.settings;
    expect(up?.type === "openai" && up.api_key).toBe("a: b\n- c");
  });
});

describe("defaults", () => {
  it("fills server, resilience, limits and routing defaults", () => {
    const config = configFromObject(minimal, "test", {});
    expect(config.raw.server).toMatchObject({ host: "0.0.0.0", port: 8080, body_limit_bytes: 10 * 1024 * 1024 });
    expect(config.raw.resilience).toMatchObject({ retries: 2, backoff_ms: 200 });
    expect(config.raw.resilience.breaker).toMatchObject({ error_threshold_percentage: 50, volume_threshold: 10, reset_timeout_ms: 30_000 });
    expect(config.raw.limits).toMatchObject({ store: "memory", on_store_error: "open" });
    expect(config.keys).toBeUndefined();
    const target = config.models.get("m")?.route;
    expect(target?.kind === "group" && target.entries[0]?.node).toMatchObject({
      kind: "target",
      target: { provider: "up", model: "x", timeoutMs: 600_000, firstByteTimeoutMs: 60_000 },
    });
  });

  it("lets a target override its provider's timeouts", () => {
    const config = configFromObject(
      {
        providers: { up: { type: "openai", base_url: "http://127.0.0.1:1/v1", timeout_ms: 5000, first_byte_timeout_ms: 1000 } },
        models: { a: { targets: [{ provider: "up", model: "x" }] }, b: { targets: [{ provider: "up", model: "y", timeout_ms: 9000 }] } },
      },
      "test",
      {},
    );
    const leaf = (name: string) => {
      const route = config.models.get(name)?.route;
      return route?.kind === "group" && route.entries[0]?.node.kind === "target" ? route.entries[0].node.target : undefined;
    };
    expect(leaf("a")).toMatchObject({ timeoutMs: 5000, firstByteTimeoutMs: 1000 });
    expect(leaf("b")).toMatchObject({ timeoutMs: 9000, firstByteTimeoutMs: 1000 });
  });
});

describe("missing secrets", () => {
  it("disables a provider whose secret is unset, with one warning naming the variable", () => {
    const config = configFromObject(
      {
        providers: { claude: { type: "anthropic", api_key: "${ANTHROPIC_API_KEY}" }, up: minimal.providers.up },
        models: { m: { targets: [{ provider: "claude", model: "c" }, { provider: "up", model: "x" }] } },
      },
      "test",
      {},
    );
    expect(config.providers.get("claude")?.disabled).toContain("ANTHROPIC_API_KEY");
    expect(config.providers.get("up")?.disabled).toBeUndefined();
    expect(config.warnings.filter((w) => w.includes("claude"))).toEqual([`provider "claude" is disabled: ANTHROPIC_API_KEY is not set`]);
  });

  it("disables a key whose value is unset instead of accepting an empty key", () => {
    const config = configFromObject({ ...minimal, keys: [{ name: "a", key: "${A_KEY}" }, { name: "b", key: "sk-b" }] }, "test", {});
    expect([...(config.keys?.values() ?? [])].map((k) => k.name)).toEqual(["b"]);
    expect(config.warnings).toContain(`key "a" is disabled: A_KEY not set`);
  });
});

describe("validation errors name the path and the problem", () => {
  it.each([
    ["an unknown top-level field", { ...minimal, extra: 1 }, `(root): unknown field "extra"`],
    ["a wrong type", { ...minimal, server: { port: "eighty" } }, "server.port:"],
    ["an unknown provider type", { ...minimal, providers: { up: { type: "openia" } } }, "providers.up"],
    ["a missing required field", { ...minimal, providers: { up: { type: "anthropic" } } }, "providers.up.api_key:"],
    ["a bad URL", { ...minimal, providers: { up: { type: "openai", base_url: "not a url" } } }, "providers.up.base_url:"],
    ["an empty target list", { ...minimal, models: { m: { targets: [] } } }, "models.m.targets:"],
    ["an unknown provider in a target", { ...minimal, models: { m: { targets: [{ provider: "nope", model: "x" }] } } }, `models.m.targets[0].provider: unknown provider "nope"`],
    ["an unknown alias target", { ...minimal, models: { m: { targets: [{ model: "ghost" }] } } }, `models.m.targets[0].model: unknown model "ghost"`],
    ["an unknown routing default", { ...minimal, routing: { default: "ghost" } }, `routing.default: unknown model "ghost"`],
    ["an unknown model in a rule", { ...minimal, routing: { rules: [{ name: "r", use: "ghost" }] } }, `routing.rules[0].use: unknown model "ghost"`],
    ["an unknown provider in allow_providers", { ...minimal, routing: { rules: [{ name: "r", allow_providers: ["x"] }] } }, `routing.rules[0].allow_providers[0]: unknown provider "x"`],
    ["a bad detector regex", { ...minimal, routing: { detectors: [{ name: "d", pattern: "([" }] } }, "routing.detectors[0].pattern:"],
    ["a key without a value", { ...minimal, keys: [{ name: "k" }] }, "keys[0]: needs `key` or `key_sha256`"],
    ["a malformed key hash", { ...minimal, keys: [{ name: "k", key_sha256: "abc" }] }, "keys[0].key_sha256: must be 64 hex characters"],
    ["an unknown model for a key", { ...minimal, keys: [{ name: "k", key: "v", models: ["ghost"] }] }, `keys[0].models[0]: unknown model "ghost"`],
    ["duplicate key names", { ...minimal, keys: [{ name: "k", key: "a" }, { name: "k", key: "b" }] }, `keys[1].name: duplicate key name "k"`],
    ["redis without a URL", { ...minimal, limits: { store: "redis" } }, "limits.redis_url: `redis_url` is required with store: redis"],
    ["a model named auto", { ...minimal, models: { auto: { targets: [{ provider: "up", model: "x" }] } } }, `models.auto: "auto" is reserved`],
  ])("reports %s", (_name, tree, expected) => {
    expect(problemsOf(tree).join("\n")).toContain(expected);
  });

  it("names an alias cycle", () => {
    const problems = problemsOf({
      ...minimal,
      models: {
        a: { targets: [{ model: "b" }] },
        b: { targets: [{ model: "c" }] },
        c: { targets: [{ model: "a" }, { provider: "up", model: "x" }] },
      },
    });
    expect(problems.join("\n")).toMatch(/alias cycle a → b → c → a/);
  });

  it("says which variable is unset when a numeric field depends on it", () => {
    expect(problemsOf({ ...minimal, server: { port: "${GW_PORT}" } }).join("\n")).toContain("GW_PORT is not set");
  });

  it("reports YAML syntax errors and unreadable files", async () => {
    expect(() => parseConfig("providers: [unclosed", "bad.yaml", {})).toThrow(/YAML/);
    await expect(loadConfigFile("/nonexistent/providers.yaml", {})).rejects.toThrow(/cannot read file: ENOENT/);
  });
});

describe("the shipped providers.yaml", () => {
  it("loads with no secrets set, every cloud provider disabled with a warning", async () => {
    const config = await loadConfigFile(join(import.meta.dirname, "../../providers.yaml"), {});
    expect([...config.models.keys()]).toContain("smart");
    const disabled = [...config.providers.values()].filter((p) => p.disabled).map((p) => p.id);
    expect(disabled.sort()).toEqual(["anthropic", "gemini", "openai"]);
  });

  it.each(readdirSync(join(import.meta.dirname, "../../config/examples")).filter((f) => f.endsWith(".yaml")))(
    "loads config/examples/%s with no secrets set",
    async (name) => {
      const config = await loadConfigFile(join(import.meta.dirname, "../../config/examples", name), {});
      expect(config.models.size).toBeGreaterThan(0);
    },
  );

  it("accepts a config with no providers or models", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-config-"));
    const file = join(dir, "p.yaml");
    writeFileSync(file, "providers: {}\nmodels: {}\n");
    const config = await loadConfigFile(file, {});
    expect(config.models.size).toBe(0);
  });
});
