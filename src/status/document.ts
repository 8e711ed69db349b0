// The status document: GET /status.json, which the status page renders and scripts read.
// Keys appear by name only; no key, secret or upstream error text beyond what the operator
// token allows ever goes in.
import type { ProviderReport } from "../http/provider-reports.ts";

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface StatusDocument {
  /** When this document was built, ISO 8601. */
  readonly generated_at: string;
  readonly uptime_s: number;
  readonly config: ConfigStatus;
  readonly providers: readonly ProviderReport[];
  readonly models: readonly ModelStatus[];
  /** Empty when the gateway runs without keys. */
  readonly keys: readonly KeyStatus[];
  readonly traffic: TrafficStatus;
}

export interface ConfigStatus {
  /** The file the config came from. */
  readonly source: string;
  readonly loaded_at: string;
  readonly last_reload: ReloadStatus | null;
  readonly last_refused_reload: ReloadStatus | null;
}

export interface ReloadStatus {
  readonly at: string;
  readonly reason: string;
  readonly applied: boolean;
  readonly problems: readonly string[];
}

export interface TargetStatus {
  /** Absent for a target that names another public model (an alias). */
  readonly provider?: string;
  readonly model: string;
}

export interface ModelStatus {
  readonly name: string;
  /** chat, or embeddings where the config says so. */
  readonly kind: string;
  readonly strategy: string;
  readonly targets: readonly TargetStatus[];
  /** The model's `cache` setting, present only when the config has one. */
  readonly cache?: JsonValue;
  readonly rpm?: number;
  readonly tpm?: number;
}

export interface Usage {
  readonly used: number;
  readonly limit: number;
}

export interface KeyStatus {
  readonly name: string;
  /** In the current rate window (one minute, drained continuously); absent: no such limit. */
  readonly requests?: Usage;
  readonly tokens?: Usage;
  readonly concurrency?: { readonly in_use: number; readonly max: number };
  /** True when the limit store could not answer this time. */
  readonly store_unavailable?: true;
  /** Present when the key has a budget. */
  readonly budget?: BudgetStatus;
}

export interface BudgetStatus {
  readonly usd: number;
  /** day, week, month (UTC) or total. */
  readonly period: string;
  /** Settled spend in the current period; this and what follows are absent when the store did not answer. */
  readonly spent_usd?: number;
  /** Held by requests in flight (their worst-case cost) until they settle. */
  readonly held_usd?: number;
  readonly remaining_usd?: number;
  /** When the period ends and spend starts from zero again; null for a `total` budget. */
  readonly resets_at?: string | null;
}

export interface TrafficStatus {
  /** The span the figures cover (the last few minutes, or since start when shorter). */
  readonly window_s: number;
  readonly models: readonly ModelTraffic[];
  /** Requests per front door, when the request metrics carry the `api` label. */
  readonly apis: readonly { readonly api: string; readonly requests: number }[];
}

export interface ModelTraffic {
  readonly model: string;
  readonly requests: number;
  /** Share of requests that failed on the gateway's or an upstream's side (5xx, broken streams). */
  readonly error_rate: number;
  /** Of successful requests; null when there were none. */
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  /** Response cache lookups, present when the model had cacheable requests in the window. */
  readonly cache?: CacheTraffic;
}

export interface CacheTraffic {
  /** Answers from any tier (memory, redis, or an identical request in flight). */
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses), as the dashboard's hit ratio panel reads the same counters. */
  readonly hit_ratio: number;
}
