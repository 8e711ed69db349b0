// Routing rules compiled once per config: each `when` becomes one predicate over the facts a
// request has after classification.
import type { Complexity, ResolvedRule, Sensitivity } from "../config/types.ts";
import type { RawConfig } from "../config/schema.ts";
import type { RequestFeatures } from "./features.ts";

export interface RuleFacts {
  model: string;
  keyName: string | undefined;
  sensitivity: Sensitivity;
  complexity: Complexity;
  features: RequestFeatures;
}

export interface CompiledRule {
  readonly name: string;
  readonly use: string | undefined;
  readonly allowProviders: ReadonlySet<string> | undefined;
  matches(facts: RuleFacts): boolean;
}

export function compileRules(config: RawConfig): CompiledRule[] {
  return config.routing.rules.map((rule, index) => compileRule({ ...rule, index }));
}

function compileRule(rule: ResolvedRule): CompiledRule {
  const w = rule.when;
  const checks: ((f: RuleFacts) => boolean)[] = [];
  const sensitivities = asSet(w.sensitivity);
  if (sensitivities) checks.push((f) => sensitivities.has(f.sensitivity));
  const complexities = asSet(w.complexity);
  if (complexities) checks.push((f) => complexities.has(f.complexity));
  if (w.model !== undefined) {
    const glob = globToRegExp(w.model);
    checks.push((f) => glob.test(f.model));
  }
  const keys = asSet(w.key);
  if (keys) checks.push((f) => f.keyName !== undefined && keys.has(f.keyName));
  const { min_prompt_tokens: min, max_prompt_tokens: max, tools, images } = w;
  if (min !== undefined) checks.push((f) => f.features.promptTokens >= min);
  if (max !== undefined) checks.push((f) => f.features.promptTokens <= max);
  if (tools !== undefined) checks.push((f) => f.features.hasTools === tools);
  if (images !== undefined) checks.push((f) => f.features.hasImages === images);
  return {
    name: rule.name,
    use: rule.use,
    allowProviders: rule.allow_providers ? new Set(rule.allow_providers) : undefined,
    matches(facts) {
      for (const check of checks) if (!check(facts)) return false;
      return true;
    },
  };
}

/** `*` any run of characters, `?` one character; everything else literal; whole-name match. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

function asSet<T extends string>(value: T | readonly T[] | undefined): ReadonlySet<T> | undefined {
  if (value === undefined) return undefined;
  return new Set(typeof value === "string" ? [value] : value);
}
