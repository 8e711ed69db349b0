// Cross-checks a schema-valid config and builds the runtime view: route trees with aliases
// expanded (cycles are errors naming the loop), key digests, effective timeouts, and which
// providers and keys are disabled by a missing secret.
import { createHash } from "node:crypto";
import { budgetProblems } from "./budgets.ts";
import { kindProblems } from "./kinds.ts";
import type { CacheConfig, ModelCacheConfig, RawConfig, TargetConfig } from "./schema.ts";
import type { ConcreteTarget, GatewayConfig, ModelCachePolicy, PublicModel, ResolvedKey, ResolvedProvider, RouteNode } from "./types.ts";

/** The model name that asks the router to choose. */
export const AUTO_MODEL = "auto";

export function resolveConfig(
  raw: RawConfig,
  missing: ReadonlyMap<string, readonly string[]>,
  source: string,
): { config: GatewayConfig } | { problems: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];

  const missingUnder = (prefix: string): string[] => {
    const names = new Set<string>();
    for (const [path, vars] of missing) {
      if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) {
        for (const v of vars) names.add(v);
      }
    }
    return [...names];
  };

  const providers = new Map<string, ResolvedProvider>();
  for (const [id, settings] of Object.entries(raw.providers)) {
    const vars = missingUnder(`providers.${id}`);
    const disabled = vars.length > 0 ? `set ${vars.join(", ")} to enable provider "${id}"` : undefined;
    if (disabled) warnings.push(`provider "${id}" is disabled: ${vars.join(", ")} ${vars.length > 1 ? "are" : "is"} not set`);
    providers.set(id, { id, settings, disabled });
  }

  const modelNames = new Set(Object.keys(raw.models));
  if (modelNames.has(AUTO_MODEL)) problems.push(`models.${AUTO_MODEL}: "${AUTO_MODEL}" is reserved for routing rules`);

  const targetOf = (t: Extract<TargetConfig, { provider: string }>): ConcreteTarget => {
    const provider = raw.providers[t.provider];
    return {
      provider: t.provider,
      model: t.model,
      timeoutMs: t.timeout_ms ?? provider?.timeout_ms ?? raw.resilience.timeout_ms,
      firstByteTimeoutMs: t.first_byte_timeout_ms ?? provider?.first_byte_timeout_ms ?? raw.resilience.first_byte_timeout_ms,
      defaultMaxTokens: t.default_max_tokens,
      space: t.space,
    };
  };

  // Aliases resolve recursively; `stack` detects cycles and names the loop.
  const built = new Map<string, RouteNode | null>();
  const build = (name: string, stack: string[]): RouteNode | null => {
    const done = built.get(name);
    if (done !== undefined) return done;
    if (stack.includes(name)) {
      problems.push(`models.${name}: alias cycle ${[...stack.slice(stack.indexOf(name)), name].join(" → ")}`);
      return null;
    }
    const model = raw.models[name];
    if (!model) return null;
    const entries: { weight: number; node: RouteNode }[] = [];
    model.targets.forEach((t, i) => {
      const path = `models.${name}.targets[${i}]`;
      if ("provider" in t) {
        if (!raw.providers[t.provider]) {
          problems.push(`${path}.provider: unknown provider "${t.provider}"`);
          return;
        }
        entries.push({ weight: t.weight, node: { kind: "target", target: targetOf(t) } });
        return;
      }
      if (!modelNames.has(t.model)) {
        problems.push(`${path}.model: unknown model "${t.model}" (an alias target names another entry under models, or gives a provider)`);
        return;
      }
      const node = build(t.model, [...stack, name]);
      if (node) entries.push({ weight: t.weight, node });
    });
    const node: RouteNode | null = entries.length > 0 ? { kind: "group", strategy: model.strategy, entries } : null;
    built.set(name, node);
    return node;
  };

  const models = new Map<string, PublicModel>();
  for (const [name, model] of Object.entries(raw.models)) {
    const route = build(name, []);
    if (!route) continue;
    models.set(name, {
      name,
      kind: model.kind,
      route,
      price: model.price,
      rpm: model.rpm,
      tpm: model.tpm,
      cache: cachePolicy(model.cache, raw.cache),
      providers: [...new Set(targetsOf(route).map((t) => t.provider))],
    });
  }

  if (raw.cache.store === "redis" && (raw.cache.redis_url ?? raw.limits.redis_url) === undefined) {
    problems.push("cache.redis_url: required with store: redis (or set limits.redis_url)");
  }
  problems.push(...kindProblems(raw, new Map([...models].map(([name, model]) => [name, targetsOf(model.route)]))));
  problems.push(...budgetProblems(raw, AUTO_MODEL));

  const knownModel = (name: string) => modelNames.has(name);
  if (raw.routing.default !== undefined && !knownModel(raw.routing.default)) {
    problems.push(`routing.default: unknown model "${raw.routing.default}"`);
  }
  raw.routing.rules.forEach((rule, i) => {
    if (rule.use !== undefined && !knownModel(rule.use)) problems.push(`routing.rules[${i}].use: unknown model "${rule.use}"`);
    rule.allow_providers?.forEach((p, j) => {
      if (!raw.providers[p]) problems.push(`routing.rules[${i}].allow_providers[${j}]: unknown provider "${p}"`);
    });
  });
  const ruleNames = new Set<string>();
  raw.routing.rules.forEach((rule, i) => {
    if (ruleNames.has(rule.name)) problems.push(`routing.rules[${i}].name: duplicate rule name "${rule.name}"`);
    ruleNames.add(rule.name);
  });
  raw.routing.detectors.forEach((d, i) => {
    try {
      new RegExp(d.pattern, d.flags);
    } catch (error) {
      problems.push(`routing.detectors[${i}].pattern: ${(error as Error).message}`);
    }
  });

  let keys: Map<string, ResolvedKey> | undefined;
  if (raw.keys) {
    keys = new Map();
    const names = new Set<string>();
    raw.keys.forEach((k, i) => {
      if (names.has(k.name)) problems.push(`keys[${i}].name: duplicate key name "${k.name}"`);
      names.add(k.name);
      k.models?.forEach((m, j) => {
        if (m !== AUTO_MODEL && !knownModel(m)) problems.push(`keys[${i}].models[${j}]: unknown model "${m}"`);
      });
      const vars = missingUnder(`keys[${i}]`);
      if (vars.length > 0 || (k.key === "" && k.key_sha256 === undefined)) {
        warnings.push(`key "${k.name}" is disabled: ${vars.length > 0 ? `${vars.join(", ")} not set` : "empty key"}`);
        return;
      }
      const digest = (k.key_sha256 ?? createHash("sha256").update(k.key ?? "").digest("hex")).toLowerCase();
      if (keys?.has(digest)) problems.push(`keys[${i}]: same key as another entry`);
      keys?.set(digest, {
        name: k.name,
        digest,
        digestBytes: Buffer.from(digest, "hex"),
        models: k.models ? new Set(k.models) : undefined,
        sensitivity: k.sensitivity,
        rpm: k.rpm,
        tpm: k.tpm,
        maxConcurrent: k.max_concurrent,
      });
    });
  }

  if (problems.length > 0) return { problems };
  return {
    config: { source, raw, providers, models, keys, warnings, loadedAt: Math.floor(Date.now() / 1000) },
  };
}

/** Every concrete target under a route, in declaration order. */
export function targetsOf(node: RouteNode): ConcreteTarget[] {
  if (node.kind === "target") return [node.target];
  return node.entries.flatMap((e) => targetsOf(e.node));
}

/** A model's cache opt-in, with the section's default TTL filled in; undefined when it does not cache. */
function cachePolicy(model: ModelCacheConfig | undefined, section: CacheConfig): ModelCachePolicy | undefined {
  if (model === undefined || model === false) return undefined;
  if (model === true) return { ttlS: section.ttl_s, shared: false };
  return { ttlS: model.ttl_s ?? section.ttl_s, shared: model.shared };
}
