// The per-request entry point the HTTP layer calls: admit before the upstream is called,
// settle when the response or stream is over (on every path). One store call per admission
// covers the key's rpm, tpm and concurrency and the public model's rpm and tpm together.
import { randomUUID } from "node:crypto";
import type { Usage } from "../providers/types.ts";
import { rateLimitHeaders, type RateLimitHeaders } from "./headers.ts";
import { WINDOW_MS, type KeyLimitSet, type LimitSets, type ModelLimitSet, type RateLimit } from "./limit-sets.ts";
import { refusalMessage, storeUnavailableMessage, tooLargeMessage } from "./messages.ts";
import { createSlotLeases } from "./slot-leases.ts";
import { createStoreErrorReporter, type LimitLogger, type StoreErrorEvent, type StoreOperation } from "./store-errors.ts";
import type { BucketAdjustment, BucketRef, CheckResult, LimitKind, LimitStore, RateBucket, RateKind, SlotClaim } from "./types.ts";

export interface AdmitRequest {
  /** The authenticated key's name; undefined when the gateway runs without keys. */
  readonly keyName: string | undefined;
  readonly publicModel: string;
  /** From tokens.ts; only needed when `needsTokenEstimate` says so (0 otherwise). */
  readonly estimatedPromptTokens: number;
  /** The client's max_tokens / max_completion_tokens; the configured default when unset. */
  readonly maxTokens: number | undefined;
}

export interface Admitted {
  readonly ok: true;
  /** x-ratelimit-* headers; empty when no rate limit applies or the store could not answer. */
  readonly headers: RateLimitHeaders;
  /**
   * Charges the real usage instead of the reservation and frees the concurrency slot. Call it
   * once the request is over, on every path; later calls do nothing. Without usage (failure
   * before any output, or a provider that reports none) the prompt estimate is charged and
   * the completion reservation given back. Never rejects.
   */
  settle(usage?: Pick<Usage, "prompt_tokens" | "completion_tokens">): Promise<void>;
}

export interface Refused {
  readonly ok: false;
  /** 429 for a limit, 503 when the store is down and on_store_error is closed. */
  readonly status: 429 | 503;
  readonly limit: LimitKind | "store";
  readonly retryAfterSeconds: number;
  readonly message: string;
  readonly headers: RateLimitHeaders;
  /** False when waiting cannot help (the request alone exceeds a token limit). */
  readonly retryable: boolean;
}

export type Admission = Admitted | Refused;

/** A key's standing against its limits right now, for operators; absent parts have no limit. */
export interface KeyUsage {
  readonly requests?: { readonly used: number; readonly limit: number };
  readonly tokens?: { readonly used: number; readonly limit: number };
  readonly concurrency?: { readonly inUse: number; readonly max: number };
}

export interface RefusedEvent {
  readonly keyName: string | undefined;
  readonly publicModel: string;
  readonly limit: LimitKind | "store";
  readonly status: 429 | 503;
}

export interface LimiterOptions {
  readonly store: LimitStore;
  readonly onStoreError: "open" | "closed";
  /** Completion tokens reserved when the client sets no max_tokens (limits.default_max_tokens). */
  readonly defaultMaxTokens: number;
  /** Concurrency slot lease; renewed while the request runs (see slot-leases.ts). */
  readonly slotLeaseMs?: number;
  readonly storeErrorLogIntervalMs?: number;
  readonly logger?: LimitLogger | undefined;
  /** Telemetry hooks: called synchronously, must not throw. */
  readonly hooks?: {
    readonly onRefused?: (event: RefusedEvent) => void;
    readonly onStoreError?: (event: StoreErrorEvent) => void;
  };
}

/** What a config reload may change without touching the store. */
export interface LimiterSettings {
  readonly onStoreError: "open" | "closed";
  readonly defaultMaxTokens: number;
}

export interface Limiter {
  /** Whether a token limit applies, i.e. whether admit needs a prompt token estimate. */
  needsTokenEstimate(keyName: string | undefined, publicModel: string): boolean;
  admit(request: AdmitRequest): Promise<Admission>;
  /**
   * Reads a key's rate buckets and slots from the store without admitting anything; undefined
   * when the key has no limits. Rejects when the store cannot answer.
   */
  usage(keyName: string): Promise<KeyUsage | undefined>;
  /** Failed store operations since start, for telemetry. */
  readonly storeErrors: number;
  /** Concurrency slots this process holds right now. */
  readonly slotsHeld: number;
  /** Feeds connection-level store errors (the Redis socket's) into the same throttled log. */
  reportConnectionError(error: unknown): void;
  /**
   * Applies a reloaded config's limits to new admissions, keeping the store and its counters.
   * Requests admitted before settle against what they were admitted with.
   */
  reconfigure(sets: LimitSets, settings: LimiterSettings): void;
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const NOTHING_TO_SETTLE = (): Promise<void> => Promise.resolve();
const UNLIMITED: Admitted = { ok: true, headers: {}, settle: NOTHING_TO_SETTLE };

export function createLimiter(initialSets: LimitSets, options: LimiterOptions): Limiter {
  const { store } = options;
  let sets = initialSets;
  let settings: LimiterSettings = { onStoreError: options.onStoreError, defaultMaxTokens: options.defaultMaxTokens };
  const reporter = createStoreErrorReporter({
    logger: options.logger,
    logIntervalMs: options.storeErrorLogIntervalMs ?? 60_000,
    onStoreError: options.hooks?.onStoreError,
  });
  const leaseMs = options.slotLeaseMs ?? 30_000;
  const report = (operation: StoreOperation, error: unknown): void => reporter.report(operation, error, settings.onStoreError);
  const leases = createSlotLeases(store, leaseMs, (error) => report("renew", error));

  function refuse(request: AdmitRequest, refusal: Refused): Refused {
    options.hooks?.onRefused?.({
      keyName: request.keyName,
      publicModel: request.publicModel,
      limit: refusal.limit,
      status: refusal.status,
    });
    return refusal;
  }

  async function admit(request: AdmitRequest): Promise<Admission> {
    const key = request.keyName === undefined ? undefined : sets.keys.get(request.keyName);
    const model = sets.models.get(request.publicModel);
    if (key === undefined && model === undefined) return UNLIMITED;

    const prompt = Math.max(0, Math.ceil(request.estimatedPromptTokens));
    const tokenCap = smallestTokenLimit(key, model);
    const tooLarge = tokenCap !== undefined && prompt > tokenCap.limit;
    // A completion budget larger than what the limit could ever hold would refuse the request
    // forever; reserve what fits and let the correction charge what was really used.
    const reserve =
      tokenCap === undefined || tooLarge
        ? 0
        : prompt + Math.min(request.maxTokens ?? settings.defaultMaxTokens, tokenCap.limit - prompt);

    // A request that can never fit only reads the state (cost 0), for the headers.
    const take = tooLarge ? 0 : 1;
    const buckets: RateBucket[] = [];
    addBucket(buckets, "requests", key?.requests, take);
    addBucket(buckets, "tokens", key?.tokens, reserve);
    addBucket(buckets, "model_requests", model?.requests, take);
    addBucket(buckets, "model_tokens", model?.tokens, reserve);
    const slot: SlotClaim | undefined =
      key?.concurrency === undefined || tooLarge
        ? undefined
        : { key: key.concurrency.storeKey, id: randomUUID(), max: key.concurrency.max, leaseMs };

    let result: CheckResult;
    try {
      result = await store.check({ buckets, slot });
    } catch (error) {
      report("check", error);
      if (settings.onStoreError === "open") return UNLIMITED;
      return refuse(request, {
        ok: false,
        status: 503,
        limit: "store",
        retryAfterSeconds: 1,
        message: storeUnavailableMessage(),
        headers: {},
        retryable: true,
      });
    }

    const headers = rateLimitHeaders(result.buckets);
    if (tooLarge) {
      return refuse(request, {
        ok: false,
        status: 429,
        limit: tokenCap.kind,
        retryAfterSeconds: WINDOW_MS / 1_000,
        message: tooLargeMessage(request, tokenCap.kind, tokenCap.limit, prompt),
        headers,
        retryable: false,
      });
    }
    if (!result.allowed) {
      const refused = result.refused ?? { kind: "requests", retryAfterMs: 1_000 };
      const retryAfterSeconds = Math.max(1, Math.ceil(refused.retryAfterMs / 1_000));
      return refuse(request, {
        ok: false,
        status: 429,
        limit: refused.kind,
        retryAfterSeconds,
        message: refusalMessage(request, refused.kind, limitOf(refused.kind, result), reserve, retryAfterSeconds),
        headers,
        retryable: true,
      });
    }

    if (slot !== undefined) leases.hold(slot);
    const tokenBuckets = buckets.filter((b) => b.kind === "tokens" || b.kind === "model_tokens");
    let settled = false;
    return {
      ok: true,
      headers,
      async settle(usage) {
        if (settled) return;
        settled = true;
        const used = usage === undefined ? prompt : usage.prompt_tokens + usage.completion_tokens;
        const delta = used - reserve;
        const adjustments: BucketAdjustment[] =
          delta === 0
            ? []
            : tokenBuckets.map((b) => ({ key: b.key, limit: b.limit, windowMs: b.windowMs, delta }));
        const work: Promise<void>[] = [];
        if (adjustments.length > 0) {
          work.push(store.adjust(adjustments).catch((error: unknown) => report("adjust", error)));
        }
        if (slot !== undefined) {
          leases.drop(slot);
          work.push(store.release(slot).catch((error: unknown) => report("release", error)));
        }
        await Promise.all(work);
      },
    };
  }

  return {
    needsTokenEstimate(keyName, publicModel) {
      const key = keyName === undefined ? undefined : sets.keys.get(keyName);
      return key?.tokens !== undefined || sets.models.get(publicModel)?.tokens !== undefined;
    },
    admit,
    async usage(keyName) {
      const key = sets.keys.get(keyName);
      if (key === undefined) return undefined;
      const buckets: BucketRef[] = [];
      if (key.requests) buckets.push({ kind: "requests", key: key.requests.storeKey, limit: key.requests.limit, windowMs: WINDOW_MS });
      if (key.tokens) buckets.push({ kind: "tokens", key: key.tokens.storeKey, limit: key.tokens.limit, windowMs: WINDOW_MS });
      const slotKeys = key.concurrency ? [key.concurrency.storeKey] : [];
      const peeked = await store.peek({ buckets, slotKeys });
      const usage: { -readonly [K in keyof KeyUsage]: KeyUsage[K] } = {};
      for (const b of peeked.buckets) usage[b.kind === "requests" ? "requests" : "tokens"] = { used: b.limit - b.remaining, limit: b.limit };
      const inUse = peeked.slotsInUse[0];
      if (key.concurrency && inUse !== undefined) usage.concurrency = { inUse, max: key.concurrency.max };
      return usage;
    },
    get storeErrors() {
      return reporter.count;
    },
    get slotsHeld() {
      return leases.size;
    },
    reportConnectionError(error) {
      report("connection", error);
    },
    reconfigure(nextSets, nextSettings) {
      sets = nextSets;
      settings = nextSettings;
    },
    ready(timeoutMs) {
      return store.ready(timeoutMs);
    },
    async close() {
      leases.close();
      await store.close();
    },
  };
}

function addBucket(buckets: RateBucket[], kind: RateKind, limit: RateLimit | undefined, cost: number): void {
  if (limit !== undefined) {
    buckets.push({ kind, key: limit.storeKey, limit: limit.limit, windowMs: WINDOW_MS, cost });
  }
}

function smallestTokenLimit(
  key: KeyLimitSet | undefined,
  model: ModelLimitSet | undefined,
): { kind: "tokens" | "model_tokens"; limit: number } | undefined {
  const keyLimit = key?.tokens?.limit;
  const modelLimit = model?.tokens?.limit;
  if (keyLimit !== undefined && (modelLimit === undefined || keyLimit <= modelLimit)) {
    return { kind: "tokens", limit: keyLimit };
  }
  return modelLimit === undefined ? undefined : { kind: "model_tokens", limit: modelLimit };
}

function limitOf(kind: LimitKind, result: CheckResult): number {
  if (kind === "concurrency") return result.slot?.max ?? 0;
  return result.buckets.find((b) => b.kind === kind)?.limit ?? 0;
}
