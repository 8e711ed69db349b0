// The per-request entry point the pipeline calls: admit before the upstream is called,
// settle when the response or stream is over (on every path). One store call per admission
// covers the key's rpm, tpm, concurrency and spend budget and the public model's rpm and tpm
// together: the budget hold is taken in the same atomic check, so concurrent requests can
// never together spend past the budget.
import { randomUUID } from "node:crypto";
import type { Usage } from "../providers/types.ts";
import { rateLimitHeaders, type RateLimitHeaders } from "./headers.ts";
import {
  WINDOW_MS,
  type BudgetLimit,
  type KeyLimitSet,
  type LimitSets,
  type ModelLimitSet,
  type RateLimit,
} from "./limit-sets.ts";
import { createBudgetStandings, type BudgetStanding } from "./budget-standings.ts";
import { budgetMessage, refusalMessage, storeUnavailableMessage, tooLargeMessage } from "./messages.ts";
import { periodBounds, type PeriodBounds } from "./periods.ts";
import { createSlotLeases } from "./slot-leases.ts";
import { costMicros, toUsd, type Price } from "./spend.ts";
import { createSpendOutbox } from "./spend-outbox.ts";
import { createStoreErrorReporter, type LimitLogger, type StoreErrorEvent, type StoreOperation } from "./store-errors.ts";
import { createTokenHeadroom } from "./token-headroom.ts";
import type {
  BucketAdjustment,
  BucketRef,
  BudgetClaim,
  CheckResult,
  Clock,
  LimitKind,
  LimitStore,
  RateBucket,
  RateKind,
  SlotClaim,
  SpendSettlement,
} from "./types.ts";

/** How long a budget counter outlives its period, for settlements of requests that ran across the end. */
const BUDGET_GRACE_MS = 7 * 86_400_000;
/**
 * How long a repeated settlement is recognised. A repeat only follows a lost reply, and the
 * outbox sends again within seconds; each mark is one small Redis key, so an hour bounds them
 * to an hour of requests.
 */
const SETTLEMENT_DEDUPE_MS = 3_600_000;
/** Settlements kept while the store is away (a request's charge each, ~200 bytes): tens of MB at most. */
const OUTBOX_MAX_PENDING = 100_000;
/** How long closing waits for the store to take what is still pending (a shutdown during an outage). */
const CLOSE_DRAIN_MS = 5_000;

export interface AdmitRequest {
  /** The authenticated key's name; undefined when the gateway runs without keys. */
  readonly keyName: string | undefined;
  readonly publicModel: string;
  /** From tokens.ts; only needed when `needsTokenEstimate` says so (0 otherwise). */
  readonly estimatedPromptTokens: number;
  /**
   * Set when estimatedPromptTokens is only a cheap upper bound of the estimate: computes the
   * estimate. The limiter calls it whenever the bound could change an outcome (a token limit
   * not far above the reservation, a budget, a refusal, a charge without usage), so a bound
   * only ever over-reserves tokens for a while, corrected at settlement like any reservation.
   */
  readonly countPromptTokens?: (() => number | Promise<number>) | undefined;
  /** The client's max_tokens / max_completion_tokens; the configured default when unset. */
  readonly maxTokens: number | undefined;
  /** The public model's price: what a budgeted key's request is reserved and charged at. */
  readonly price?: Price | undefined;
  /** The answer costs nothing (a cache hit): the budget is read, never held or refused. */
  readonly free?: boolean | undefined;
}

export type { BudgetStanding };

export interface Admitted {
  readonly ok: true;
  /** x-ratelimit-* headers; empty when no rate limit applies or the store could not answer. */
  readonly headers: RateLimitHeaders;
  /**
   * What remained before this request's own hold; undefined without a budget. When the store
   * could not answer, the last known standing (with `asOf`), undefined if there is none.
   */
  readonly budget: BudgetStanding | undefined;
  /**
   * Charges the real usage instead of the reservation and frees the concurrency slot. Call it
   * once the request is over, on every path; later calls do nothing. Without usage (failure
   * before any output, or a provider that reports none) the prompt estimate is charged and
   * the completion reservation given back, and the budget hold is released (nothing is
   * charged). A budget settlement the store cannot take now is kept and sent again. Never rejects.
   */
  settle(usage?: Pick<Usage, "prompt_tokens" | "completion_tokens">): Promise<void>;
}

export interface Refused {
  readonly ok: false;
  /** 429 for a limit, 503 when the store is down and on_store_error is closed. */
  readonly status: 429 | 503;
  readonly limit: LimitKind | "store";
  /** Undefined when waiting never helps (a `total` budget is spent). */
  readonly retryAfterSeconds: number | undefined;
  readonly message: string;
  readonly headers: RateLimitHeaders;
  readonly budget: BudgetStanding | undefined;
  /** False when waiting cannot help (the request alone exceeds a token limit, the budget is spent). */
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
  /** Concurrency slot and budget hold lease; renewed while the request runs (see slot-leases.ts). */
  readonly slotLeaseMs?: number;
  /** Decides budget periods; the stores have their own (the same one in tests). */
  readonly clock?: Clock;
  /** Pause between attempts to send settlements the store could not take. */
  readonly settleRetryMs?: number;
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

/** A key's limits and what remains of them now, for the key's own view (GET /v1/key). */
export interface KeyStanding {
  readonly rpm: { readonly limit: number; readonly remaining: number } | undefined;
  readonly tpm: { readonly limit: number; readonly remaining: number } | undefined;
  readonly maxConcurrent: { readonly limit: number; readonly inUse: number; readonly remaining: number } | undefined;
  readonly budget:
    | {
        readonly usd: number;
        readonly period: BudgetLimit["period"];
        readonly spentUsd: number;
        /** Held by requests in flight (their worst case), until they settle. */
        readonly heldUsd: number;
        readonly remainingUsd: number;
        readonly periodStart: number;
        readonly resetsAt: number | undefined;
      }
    | undefined;
}

export interface BudgetSpend {
  readonly key: string;
  readonly spentUsd: number;
  readonly limitUsd: number;
}

export interface Limiter {
  /** Whether a token limit or a budget applies, i.e. whether admit needs a prompt token estimate. */
  needsTokenEstimate(keyName: string | undefined, publicModel: string): boolean;
  admit(request: AdmitRequest): Promise<Admission>;
  /** The key's limits and what remains now; rejects when the store cannot answer. */
  standing(keyName: string): Promise<KeyStanding>;
  /**
   * The key's budget standing now, for a response that did not go through admission; undefined
   * (at once) when the key has no budget. When the store cannot answer, the last known standing
   * (with `asOf`), or undefined if this process never read it. Never rejects.
   */
  budgetStanding(keyName: string): Promise<BudgetStanding | undefined> | undefined;
  /** Settled spend of every budgeted key in its current period (keys the store could not answer for are left out). */
  budgetSpend(): Promise<BudgetSpend[]>;
  /** Settlements waiting for the store to come back, and what they charge in micro-USD. */
  readonly pendingSettlements: number;
  readonly pendingMicros: number;
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
const UNLIMITED: Admitted = { ok: true, headers: {}, budget: undefined, settle: NOTHING_TO_SETTLE };

export function createLimiter(initialSets: LimitSets, options: LimiterOptions): Limiter {
  const { store } = options;
  const clock = options.clock ?? Date.now;
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
  const headroom = createTokenHeadroom();
  const outbox = createSpendOutbox(store, {
    retryMs: options.settleRetryMs ?? 1_000,
    maxPending: OUTBOX_MAX_PENDING,
    onError: (error) => report("settle", error),
    logger: options.logger,
  });
  const standings = createBudgetStandings();

  /** The budget counter a request admitted now is held and charged under. */
  function budgetClaim(budget: BudgetLimit, now: number, cost: number): { claim: BudgetClaim; bounds: PeriodBounds } {
    const bounds = periodBounds(budget.period, now);
    const claim: BudgetClaim = {
      key: `${budget.storeKeyPrefix}:${bounds.start}`,
      id: randomUUID(),
      limit: budget.micros,
      cost,
      leaseMs,
      ttlMs: bounds.end === undefined ? 0 : bounds.end - now + BUDGET_GRACE_MS,
    };
    return { claim, bounds };
  }

  /** Charges `usage` at `price` against the held budget, or releases the hold when there is no usage. */
  function settleBudget(claim: BudgetClaim, price: Price | undefined, usage: SettledUsage | undefined): Promise<void> {
    const cost = usage === undefined || price === undefined ? 0 : costMicros(price, { prompt: usage.prompt_tokens, completion: usage.completion_tokens });
    if (claim.cost === 0 && cost === 0) return Promise.resolve();
    standings.charged(claim.key, cost);
    const settlement: SpendSettlement = { key: claim.key, id: claim.id, cost, ttlMs: claim.ttlMs, dedupeMs: SETTLEMENT_DEDUPE_MS };
    return outbox.send(settlement);
  }

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
    const count = request.countPromptTokens;
    if (count === undefined) return admitWith(request, key, model, request.estimatedPromptTokens, undefined);
    const bound = Math.max(0, Math.ceil(request.estimatedPromptTokens));
    const far = key?.budget === undefined && headroom.far(key, model, bound + (request.maxTokens ?? settings.defaultMaxTokens));
    if (!far) return admitWith(request, key, model, await count(), undefined);
    let exact: Promise<number> | undefined;
    return admitWith(request, key, model, bound, () => (exact ??= Promise.resolve(count())));
  }

  /**
   * Admits with `estimate` prompt tokens; with `exactPrompt`, `estimate` is an upper bound, and
   * a refusal is decided again with the exact estimate (a refused check takes nothing).
   */
  async function admitWith(
    request: AdmitRequest,
    key: KeyLimitSet | undefined,
    model: ModelLimitSet | undefined,
    estimate: number,
    exactPrompt: (() => Promise<number>) | undefined,
  ): Promise<Admission> {
    const prompt = Math.max(0, Math.ceil(estimate));
    const tokenCap = smallestTokenLimit(key, model);
    const tooLarge = tokenCap !== undefined && prompt > tokenCap.limit;
    if (tooLarge && exactPrompt !== undefined) return admitWith(request, key, model, await exactPrompt(), undefined);
    // A completion budget larger than what the limit could ever hold would refuse the request
    // forever; reserve what fits and let the correction charge what was really used.
    const reserve =
      tokenCap === undefined || tooLarge
        ? 0
        : prompt + Math.min(request.maxTokens ?? settings.defaultMaxTokens, tokenCap.limit - prompt);

    // A request that can never fit only reads the state (cost 0), for the headers.
    const take = tooLarge ? 0 : 1;
    const now = clock();
    const price = request.price;
    const worstCost =
      key?.budget === undefined || price === undefined || request.free === true || tooLarge
        ? 0
        : costMicros(price, { prompt, completion: request.maxTokens ?? settings.defaultMaxTokens });
    const spend = key?.budget === undefined ? undefined : budgetClaim(key.budget, now, worstCost);
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
      result = await store.check({ buckets, slot, budget: spend?.claim });
    } catch (error) {
      report("check", error);
      const lastKnown = spend === undefined ? undefined : standings.lastKnown(spend.claim.key, spend.claim.limit);
      if (settings.onStoreError === "closed") {
        return refuse(request, {
          ok: false,
          status: 503,
          limit: "store",
          retryAfterSeconds: 1,
          message: storeUnavailableMessage(),
          headers: {},
          budget: lastKnown,
          retryable: true,
        });
      }
      if (spend === undefined) return UNLIMITED;
      // Served without limits, but what it costs is still charged once the store is back.
      const unheld = { ...spend.claim, cost: 0 };
      let settledOpen = false;
      return {
        ok: true,
        headers: {},
        budget: lastKnown,
        settle(usage) {
          if (settledOpen) return Promise.resolve();
          settledOpen = true;
          return settleBudget(unheld, price, usage);
        },
      };
    }

    if (exactPrompt !== undefined && !result.allowed) return admitWith(request, key, model, await exactPrompt(), undefined);
    headroom.saw(key, model, result.buckets);
    const headers = rateLimitHeaders(result.buckets);
    if (spend !== undefined && result.budget !== undefined) standings.read(spend.claim.key, result.budget, now);
    const standing: BudgetStanding | undefined =
      result.budget === undefined ? undefined : { remainingMicros: result.budget.limit - result.budget.spent - result.budget.held };
    if (tooLarge) {
      return refuse(request, {
        ok: false,
        status: 429,
        limit: tokenCap.kind,
        retryAfterSeconds: WINDOW_MS / 1_000,
        message: tooLargeMessage(request, tokenCap.kind, tokenCap.limit, prompt),
        headers,
        budget: standing,
        retryable: false,
      });
    }
    if (result.refused?.kind === "budget" && spend !== undefined && result.budget !== undefined && key?.budget !== undefined) {
      const { bounds } = spend;
      return refuse(request, {
        ok: false,
        status: 429,
        limit: "budget",
        retryAfterSeconds: bounds.end === undefined ? undefined : Math.max(1, Math.ceil((bounds.end - now) / 1_000)),
        message: budgetMessage(request, key.budget, result.budget, worstCost, bounds),
        headers,
        budget: standing,
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
        budget: standing,
        retryable: true,
      });
    }

    if (slot !== undefined) leases.hold(slot, "slot");
    const held = result.budget?.acquired === true ? spend?.claim : undefined;
    if (held !== undefined) leases.hold(held, "budget");
    const tokenBuckets = buckets.filter((b) => b.kind === "tokens" || b.kind === "model_tokens");
    let settled = false;
    return {
      ok: true,
      headers,
      budget: standing,
      async settle(usage) {
        if (settled) return;
        settled = true;
        const used =
          usage !== undefined ? usage.prompt_tokens + usage.completion_tokens : exactPrompt === undefined ? prompt : Math.max(0, Math.ceil(await exactPrompt()));
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
          leases.drop(slot, "slot");
          work.push(store.release(slot).catch((error: unknown) => report("release", error)));
        }
        if (held !== undefined) leases.drop(held, "budget");
        if (spend !== undefined) work.push(settleBudget(held ?? { ...spend.claim, cost: 0 }, price, usage));
        await Promise.all(work);
      },
    };
  }

  async function standing(keyName: string): Promise<KeyStanding> {
    const key = sets.keys.get(keyName);
    if (key === undefined) return { rpm: undefined, tpm: undefined, maxConcurrent: undefined, budget: undefined };
    const buckets: BucketRef[] = [];
    if (key.requests) buckets.push({ kind: "requests", key: key.requests.storeKey, limit: key.requests.limit, windowMs: WINDOW_MS });
    if (key.tokens) buckets.push({ kind: "tokens", key: key.tokens.storeKey, limit: key.tokens.limit, windowMs: WINDOW_MS });
    const slotKeys = key.concurrency ? [key.concurrency.storeKey] : [];
    // A budget claim of cost 0 only reads.
    const spend = key.budget === undefined ? undefined : budgetClaim(key.budget, clock(), 0);
    const [peeked, read] = await Promise.all([
      store.peek({ buckets, slotKeys }),
      spend === undefined ? undefined : store.check({ buckets: [], budget: spend.claim }),
    ]);
    const rate = (kind: RateKind) => {
      const bucket = peeked.buckets.find((b) => b.kind === kind);
      return bucket === undefined ? undefined : { limit: bucket.limit, remaining: bucket.remaining };
    };
    const inUse = peeked.slotsInUse[0] ?? 0;
    const budget = key.budget;
    const state = read?.budget;
    if (spend !== undefined && state !== undefined) standings.read(spend.claim.key, state, clock());
    return {
      rpm: rate("requests"),
      tpm: rate("tokens"),
      maxConcurrent: key.concurrency === undefined ? undefined : { limit: key.concurrency.max, inUse, remaining: Math.max(0, key.concurrency.max - inUse) },
      budget:
        budget === undefined || state === undefined || spend === undefined
          ? undefined
          : {
              usd: budget.usd,
              period: budget.period,
              spentUsd: toUsd(state.spent),
              heldUsd: toUsd(state.held),
              remainingUsd: toUsd(Math.max(0, state.limit - state.spent - state.held)),
              periodStart: spend.bounds.start,
              resetsAt: spend.bounds.end,
            },
    };
  }

  async function budgetSpend(): Promise<BudgetSpend[]> {
    const now = clock();
    const reads = [...sets.keys.values()].flatMap((key) => {
      const budget = key.budget;
      if (budget === undefined) return [];
      const { claim } = budgetClaim(budget, now, 0);
      return [
        store.check({ buckets: [], budget: claim }).then(
          (result) => {
            if (result.budget !== undefined) standings.read(claim.key, result.budget, now);
            return { key: key.name, spentUsd: toUsd(result.budget?.spent ?? 0), limitUsd: budget.usd };
          },
          (error: unknown) => {
            report("check", error);
            return undefined;
          },
        ),
      ];
    });
    return (await Promise.all(reads)).filter((read) => read !== undefined);
  }

  async function readBudget(budget: BudgetLimit): Promise<BudgetStanding | undefined> {
    const now = clock();
    const { claim } = budgetClaim(budget, now, 0);
    try {
      const state = (await store.check({ buckets: [], budget: claim })).budget;
      if (state === undefined) return undefined;
      standings.read(claim.key, state, now);
      return { remainingMicros: state.limit - state.spent - state.held };
    } catch (error) {
      report("check", error);
      return standings.lastKnown(claim.key, claim.limit);
    }
  }

  return {
    needsTokenEstimate(keyName, publicModel) {
      const key = keyName === undefined ? undefined : sets.keys.get(keyName);
      return key?.tokens !== undefined || key?.budget !== undefined || sets.models.get(publicModel)?.tokens !== undefined;
    },
    admit,
    standing,
    budgetStanding(keyName) {
      const budget = sets.keys.get(keyName)?.budget;
      return budget === undefined ? undefined : readBudget(budget);
    },
    budgetSpend,
    get pendingSettlements() {
      return outbox.pending;
    },
    get pendingMicros() {
      return outbox.pendingMicros;
    },
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
      headroom.clear();
    },
    ready(timeoutMs) {
      return store.ready(timeoutMs);
    },
    async close() {
      leases.close();
      await outbox.drain(CLOSE_DRAIN_MS);
      outbox.close();
      await store.close();
    },
  };
}

type SettledUsage = Pick<Usage, "prompt_tokens" | "completion_tokens">;

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
