// The limits that apply to each key and each public model, resolved once from config so a
// request only does two map lookups. Store key names are fixed here too: `k:` for keys and
// `m:` for models, the limit last, so no two names can produce the same store key.
import type { KeyConfig, ModelConfig } from "../config/schema.ts";
import type { BudgetPeriod } from "./periods.ts";
import { toMicros } from "./spend.ts";

/** rpm and tpm are per minute; buckets drain continuously over this window. */
export const WINDOW_MS = 60_000;

export interface RateLimit {
  readonly storeKey: string;
  readonly limit: number;
}

export interface ConcurrencyLimit {
  readonly storeKey: string;
  readonly max: number;
}

export interface BudgetLimit {
  /** The period's start is appended: one counter per period. */
  readonly storeKeyPrefix: string;
  readonly usd: number;
  readonly micros: number;
  readonly period: BudgetPeriod;
}

export interface KeyLimitSet {
  readonly name: string;
  readonly requests: RateLimit | undefined;
  readonly tokens: RateLimit | undefined;
  readonly concurrency: ConcurrencyLimit | undefined;
  readonly budget: BudgetLimit | undefined;
}

export interface ModelLimitSet {
  readonly name: string;
  readonly requests: RateLimit | undefined;
  readonly tokens: RateLimit | undefined;
}

export interface LimitSets {
  readonly keys: ReadonlyMap<string, KeyLimitSet>;
  readonly models: ReadonlyMap<string, ModelLimitSet>;
}

type KeyLimitsConfig = Pick<KeyConfig, "name" | "rpm" | "tpm" | "max_concurrent" | "budget">;
type ModelLimitsConfig = Pick<ModelConfig, "rpm" | "tpm">;

export function buildLimitSets(config: {
  readonly keys?: readonly KeyLimitsConfig[] | undefined;
  readonly models: Readonly<Record<string, ModelLimitsConfig>>;
}): LimitSets {
  const keys = new Map<string, KeyLimitSet>();
  for (const key of config.keys ?? []) {
    if (key.rpm === undefined && key.tpm === undefined && key.max_concurrent === undefined && key.budget === undefined) continue;
    keys.set(key.name, {
      name: key.name,
      requests: rate(`k:${key.name}:rpm`, key.rpm),
      tokens: rate(`k:${key.name}:tpm`, key.tpm),
      concurrency:
        key.max_concurrent === undefined ? undefined : { storeKey: `k:${key.name}:conc`, max: key.max_concurrent },
      budget:
        key.budget === undefined
          ? undefined
          : { storeKeyPrefix: `k:${key.name}:budget:${key.budget.period}`, usd: key.budget.usd, micros: toMicros(key.budget.usd), period: key.budget.period },
    });
  }
  const models = new Map<string, ModelLimitSet>();
  for (const [name, model] of Object.entries(config.models)) {
    if (model.rpm === undefined && model.tpm === undefined) continue;
    models.set(name, { name, requests: rate(`m:${name}:rpm`, model.rpm), tokens: rate(`m:${name}:tpm`, model.tpm) });
  }
  return { keys, models };
}

function rate(storeKey: string, limit: number | undefined): RateLimit | undefined {
  return limit === undefined ? undefined : { storeKey, limit };
}
