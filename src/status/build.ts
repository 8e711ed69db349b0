// Builds the status document from what the gateway knows at one moment: the current config,
// the provider reports, each key's standing against its limits, and the request metrics
// over the recent window. Pure: everything it reads is handed in.
import type { ReloadAttempt, ReloadLog } from "../config/reload-log.ts";
import type { GatewayConfig } from "../config/types.ts";
import type { ProviderReport } from "../http/provider-reports.ts";
import type { KeyStanding } from "../limits/limiter.ts";
import type { BudgetStatus, JsonValue, KeyStatus, ModelStatus, ReloadStatus, StatusDocument } from "./document.ts";
import type { TimedSnapshot } from "./metric-window.ts";
import { recentTraffic } from "./traffic.ts";

export interface KeyReading {
  readonly name: string;
  /** The key's configured budget: known from the config even when the store does not answer. */
  readonly budget: { readonly usd: number; readonly period: string } | undefined;
  /** The key's standing against its limits and budget; "unavailable": the limit store did not answer. */
  readonly standing: KeyStanding | "unavailable";
}

export interface StatusInput {
  readonly now: number;
  readonly startedAt: number;
  readonly config: GatewayConfig;
  readonly reloads: Pick<ReloadLog, "last" | "lastRefused">;
  readonly providers: readonly ProviderReport[];
  readonly keys: readonly KeyReading[];
  readonly metrics: { readonly current: TimedSnapshot; readonly baseline: TimedSnapshot };
  /** Takes the config's secrets out of text (reload problems can quote a value). */
  readonly redact: (text: string) => string;
}

export function buildStatus(input: StatusInput): StatusDocument {
  const { config, metrics } = input;
  const reload = (attempt: ReloadAttempt | undefined): ReloadStatus | null =>
    attempt === undefined
      ? null
      : { at: iso(attempt.at), reason: attempt.reason, applied: attempt.applied, problems: attempt.problems.map(input.redact) };
  const current = metrics.current.snapshot;
  return {
    generated_at: iso(input.now),
    uptime_s: Math.round((input.now - input.startedAt) / 1000),
    config: {
      source: config.source,
      loaded_at: iso(config.loadedAt * 1000),
      last_reload: reload(input.reloads.last),
      last_refused_reload: reload(input.reloads.lastRefused),
    },
    providers: input.providers,
    models: Object.entries(config.raw.models).map(([name, model]) => modelStatus(name, model)),
    keys: input.keys.map(keyStatus),
    traffic: {
      window_s: Math.round((metrics.current.at - metrics.baseline.at) / 1000),
      ...(current ? recentTraffic(current, metrics.baseline.snapshot) : { models: [], apis: [] }),
    },
  };
}

type RawModel = GatewayConfig["raw"]["models"][string];

function modelStatus(name: string, model: RawModel): ModelStatus {
  const cache = setting(model, "cache");
  return {
    name,
    kind: stringSetting(model, "kind") ?? "chat",
    strategy: model.strategy,
    targets: model.targets.map((t) => ("provider" in t ? { provider: t.provider, model: t.model } : { model: t.model })),
    ...(cache !== undefined ? { cache } : {}),
    ...(model.rpm !== undefined ? { rpm: model.rpm } : {}),
    ...(model.tpm !== undefined ? { tpm: model.tpm } : {}),
  };
}

function keyStatus({ name, budget, standing }: KeyReading): KeyStatus {
  const configured = budget === undefined ? {} : { budget: { usd: budget.usd, period: budget.period } };
  if (standing === "unavailable") return { name, ...configured, store_unavailable: true };
  const { rpm, tpm, maxConcurrent, budget: spend } = standing;
  return {
    name,
    ...(rpm ? { requests: { used: rpm.limit - rpm.remaining, limit: rpm.limit } } : {}),
    ...(tpm ? { tokens: { used: tpm.limit - tpm.remaining, limit: tpm.limit } } : {}),
    ...(maxConcurrent ? { concurrency: { in_use: maxConcurrent.inUse, max: maxConcurrent.limit } } : {}),
    ...(spend ? { budget: budgetStatus(spend) } : configured),
  };
}

function budgetStatus(spend: NonNullable<KeyStanding["budget"]>): BudgetStatus {
  return {
    usd: spend.usd,
    period: spend.period,
    spent_usd: spend.spentUsd,
    held_usd: spend.heldUsd,
    remaining_usd: spend.remainingUsd,
    resets_at: spend.resetsAt === undefined ? null : iso(spend.resetsAt),
  };
}

/** A model setting other features add to the schema (`cache`, `kind`), read without assuming it exists. */
function setting(model: RawModel, name: string): JsonValue | undefined {
  const value: unknown = Reflect.get(model, name);
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function stringSetting(model: RawModel, name: string): string | undefined {
  const value: unknown = Reflect.get(model, name);
  return typeof value === "string" ? value : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
