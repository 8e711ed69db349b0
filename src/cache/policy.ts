// What the cache may do for one request: its key scope (namespace, sensitivity, model), whether
// it stays in this process, whether it reads and writes (the model's opt-in and the client's
// Cache-Control), how old an entry may be, and how long a fresh answer lives.
import type { IncomingHttpHeaders } from "node:http";
import type { ModelCachePolicy, Sensitivity } from "../config/types.ts";
import type { CacheStatus, ServedBy } from "../pipeline/cache-seam.ts";
import { cacheControls } from "./controls.ts";

export interface RequestPolicy {
  readonly namespace: string;
  readonly sensitivity: Sensitivity;
  readonly publicModel: string;
  /** Confidential: in-process tier only, never Redis, never shared across keys. */
  readonly local: boolean;
  readonly read: boolean;
  readonly write: boolean;
  readonly maxAgeMs: number | undefined;
  /** `x-llm-cache` when nothing is found: miss, or bypass / refresh as the client asked. */
  readonly missStatus: Exclude<CacheStatus, "hit">;
  /** How long a fresh answer lives (see entryTtlMs). */
  readonly ttlMs: number;
  /** How long an answer from a fallback target lives. */
  readonly fallbackTtlMs: number;
}

/** How long a fresh answer lives, given who served it. */
export function entryTtlMs(policy: RequestPolicy, served: ServedBy): number {
  return served.fallbacks > 0 ? policy.fallbackTtlMs : policy.ttlMs;
}

export interface PolicyInput {
  readonly model: { readonly name: string; readonly cache: ModelCachePolicy };
  readonly sensitivity: Sensitivity;
  readonly keyName: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly fallbackTtlS: number;
}

/** The namespace of entries every key shares (key names cannot collide with it: it is not a name the config accepts twice). */
const SHARED = "\u0000shared";
/** An open gateway has no key names: its requests share one namespace. */
const OPEN = "\u0000open";

export function requestPolicy(input: PolicyInput): RequestPolicy {
  const { model, sensitivity } = input;
  const local = sensitivity === "confidential";
  const controls = cacheControls(input.headers);
  const namespace = model.cache.shared && !local ? SHARED : (input.keyName ?? OPEN);
  const ttlMs = model.cache.ttlS * 1000;
  return {
    namespace,
    sensitivity,
    publicModel: model.name,
    local,
    read: controls.read,
    write: controls.write,
    maxAgeMs: controls.maxAgeS === undefined ? undefined : controls.maxAgeS * 1000,
    missStatus: !controls.write ? "bypass" : !controls.read ? "refresh" : "miss",
    ttlMs,
    fallbackTtlMs: Math.min(ttlMs, input.fallbackTtlS * 1000),
  };
}
