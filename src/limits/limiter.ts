// The per-request entry point the pipeline calls: admit before the upstream is called,
// settle when the response or stream is over (on every path). One store call per admission
// covers the key's rpm, tpm, concurrency and spend budget and the public model's rpm and tpm
// together: the budget hold is taken in the same atomic check, so concurrent requests can
// never together spend past the budget.
import { randomUUID } from "node:crypto";
import type { Usage } from "../providers/types.ts";
import { rateLimitHeaders } from "./headers.ts";
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
import { costMicros, type Price } from "./spend.ts";
import { createSpendOutbox } from "./spend-outbox.ts";
import { createStoreErrorReporter, type StoreOperation } from "./store-errors.ts";
import { createKeyReadings } from "./key-readings.ts";
import { createTokenHeadroom } from "./token-headroom.ts";
import type {
  BucketAdjustment,
  BudgetClaim,
  CheckResult,
  LimitKind,
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

export type { BudgetStanding };
export type { Admission, Admitted, AdmitRequest, BudgetSpend, KeyStanding, KeyUsage, Limiter, LimiterOptions, LimiterSettings, Refused, RefusedEvent } from "./limiter-contract.ts";
import type { Admission, Admitted, AdmitRequest, Limiter, LimiterOptions, LimiterSettings, Refused } from "./limiter-contract.ts";

const nothing = (): void => undefined;
/** A settlement with nothing left to wait for: one promise shared by all of them. */
const SETTLED: Promise<void> = Promise.resolve();
const UNLIMITED: Admitted = { ok: true, headers: {}, budget: undefined, settle: () => SETTLED };

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
  // Made once, not per settlement.
  const reportAdjust = (error: unknown): void => report("adjust", error);
  const reportRelease = (error: unknown): void => report("release", error);
  const headroom = createTokenHeadroom();
  const outbox = createSpendOutbox(store, {
    retryMs: options.settleRetryMs ?? 1_000,
    maxPending: OUTBOX_MAX_PENDING,
    onError: (error) => report("settle", error),
    logger: options.logger,
  });
  const standings = createBudgetStandings();
  // Slot and hold ids need only be unique among every replica's: a random prefix per limiter
  // and a counter, instead of a random UUID per id (about a tenth of an admission's CPU).
  const idPrefix = `${randomUUID()}:`;
  let idCount = 0;
  const nextId = (): string => idPrefix + (idCount += 1).toString(36);

  /** The budget counter a request admitted now is held and charged under. */
  function budgetClaim(budget: BudgetLimit, now: number, cost: number): { claim: BudgetClaim; bounds: PeriodBounds } {
    const bounds = periodBounds(budget.period, now);
    const claim: BudgetClaim = {
      key: `${budget.storeKeyPrefix}:${bounds.start}`,
      id: nextId(),
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
    if (claim.cost === 0 && cost === 0) return SETTLED;
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

  function admit(request: AdmitRequest): Admission | Promise<Admission> {
    const key = request.keyName === undefined ? undefined : sets.keys.get(request.keyName);
    const model = sets.models.get(request.publicModel);
    if (key === undefined && model === undefined) return UNLIMITED;
    const count = request.countPromptTokens;
    if (count === undefined) return admitWith(request, key, model, request.estimatedPromptTokens, undefined);
    const bound = Math.max(0, Math.ceil(request.estimatedPromptTokens));
    const far = key?.budget === undefined && headroom.far(key, model, bound + (request.maxTokens ?? settings.defaultMaxTokens));
    if (!far) return Promise.resolve(count()).then((exact) => admitWith(request, key, model, exact, undefined));
    let exact: Promise<number> | undefined;
    return admitWith(request, key, model, bound, () => (exact ??= Promise.resolve(count())));
  }

  /**
   * Admits with `estimate` prompt tokens; with `exactPrompt`, `estimate` is an upper bound, and
   * a refusal is decided again with the exact estimate (a refused check takes nothing). Answers
   * in the same tick when the store does.
   */
  function admitWith(
    request: AdmitRequest,
    key: KeyLimitSet | undefined,
    model: ModelLimitSet | undefined,
    estimate: number,
    exactPrompt: (() => Promise<number>) | undefined,
  ): Admission | Promise<Admission> {
    const prompt = Math.max(0, Math.ceil(estimate));
    const tokenCap = smallestTokenLimit(key, model);
    const tooLarge = tokenCap !== undefined && prompt > tokenCap.limit;
    if (tooLarge && exactPrompt !== undefined) return exactPrompt().then((exact) => admitWith(request, key, model, exact, undefined));
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
        : { key: key.concurrency.storeKey, id: nextId(), max: key.concurrency.max, leaseMs };

    let checked: CheckResult | Promise<CheckResult>;
    try {
      checked = store.check({ buckets, slot, budget: spend?.claim });
    } catch (error) {
      return storeFailed(error);
    }
    return checked instanceof Promise ? checked.then(decide, storeFailed) : decide(checked);

    /** The store could not answer: refuse or serve, as `on_store_error` says. */
    function storeFailed(error: unknown): Admission {
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
          if (settledOpen) return SETTLED;
          settledOpen = true;
          return settleBudget(unheld, price, usage);
        },
      };
    }

    function decide(result: CheckResult): Admission | Promise<Admission> {
      if (exactPrompt !== undefined && !result.allowed) return exactPrompt().then((exact) => admitWith(request, key, model, exact, undefined));
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
      const holding: Holding = { reserve, buckets, slot, held, spend: spend?.claim, price };
      let settled = false;
      return {
        ok: true,
        headers,
        budget: standing,
        settle(usage) {
          if (settled) return SETTLED;
          settled = true;
          if (usage !== undefined) return settleUsed(holding, usage.prompt_tokens + usage.completion_tokens, usage);
          if (exactPrompt === undefined) return settleUsed(holding, prompt, usage);
          return exactPrompt().then((exact) => settleUsed(holding, Math.max(0, Math.ceil(exact)), usage));
        },
      };
    }
  }

  /**
   * Corrects the token buckets to `used`, frees the slot and settles the budget hold. Store calls
   * are not awaited one by one, and one that answered at once leaves nothing to wait for.
   */
  function settleUsed(holding: Holding, used: number, usage: SettledUsage | undefined): Promise<void> {
    const { reserve, buckets, slot, held, spend } = holding;
    const delta = used - reserve;
    let work: Promise<void>[] | undefined;
    if (delta !== 0) {
      let adjustments: BucketAdjustment[] | undefined;
      for (const b of buckets) {
        if (b.kind === "tokens" || b.kind === "model_tokens") (adjustments ??= []).push({ key: b.key, limit: b.limit, windowMs: b.windowMs, delta });
      }
      if (adjustments !== undefined) work = waitFor(work, attempt(() => store.adjust(adjustments), reportAdjust));
    }
    if (slot !== undefined) {
      leases.drop(slot, "slot");
      work = waitFor(work, attempt(() => store.release(slot), reportRelease));
    }
    if (held !== undefined) leases.drop(held, "budget");
    if (spend !== undefined) work = waitFor(work, settleBudget(held ?? { ...spend, cost: 0 }, holding.price, usage));
    if (work === undefined) return SETTLED;
    // One call (a slot, or a budget): its own promise, without Promise.all's two more.
    return work.length === 1 ? (work[0] as Promise<void>) : Promise.all(work).then(nothing);
  }

  const readings = createKeyReadings({ store, sets: () => sets, budgetClaim, standings, report, clock });

  return {
    needsTokenEstimate(keyName, publicModel) {
      const key = keyName === undefined ? undefined : sets.keys.get(keyName);
      return key?.tokens !== undefined || key?.budget !== undefined || sets.models.get(publicModel)?.tokens !== undefined;
    },
    admit,
    ...readings,
    get pendingSettlements() {
      return outbox.pending;
    },
    get pendingMicros() {
      return outbox.pendingMicros;
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

/** What an admitted request holds until it settles. */
interface Holding {
  /** Tokens taken from the token buckets at admission. */
  readonly reserve: number;
  readonly buckets: readonly RateBucket[];
  readonly slot: SlotClaim | undefined;
  /** The budget hold the store granted, if any. */
  readonly held: BudgetClaim | undefined;
  /** The key's budget counter, charged at settlement whether or not a hold was granted. */
  readonly spend: BudgetClaim | undefined;
  readonly price: Price | undefined;
}

/**
 * A store call made on its own, its failure reported rather than thrown: undefined when it is
 * already done, else the promise that ends (never rejects) when it is.
 */
function attempt(call: () => void | Promise<void>, onError: (error: unknown) => void): Promise<void> | undefined {
  try {
    const done = call();
    return done === undefined ? undefined : done.catch(onError);
  } catch (error) {
    onError(error);
    return undefined;
  }
}

/** `pending` with `more` added when there is something to wait for. */
function waitFor(pending: Promise<void>[] | undefined, more: Promise<void> | undefined): Promise<void>[] | undefined {
  if (more === undefined) return pending;
  if (pending === undefined) return [more];
  pending.push(more);
  return pending;
}
