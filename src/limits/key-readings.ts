// What a key stands at, read without admitting anything: its rate buckets and slots (the status
// page, the key's own view), its budget for a response that went through no admission, and the
// spend of every budget for the metrics. A budget claim of cost 0 only reads.
import type { BudgetStanding, BudgetStandings } from "./budget-standings.ts";
import type { BudgetSpend, KeyStanding, KeyUsage, Limiter } from "./limiter-contract.ts";
import { WINDOW_MS, type BudgetLimit, type KeyLimitSet, type LimitSets } from "./limit-sets.ts";
import type { PeriodBounds } from "./periods.ts";
import { toUsd } from "./spend.ts";
import type { StoreOperation } from "./store-errors.ts";
import type { BucketRef, BudgetClaim, LimitStore, RateKind } from "./types.ts";

export interface KeyReadingDeps {
  readonly store: LimitStore;
  /** The limits in force (they change on reload). */
  readonly sets: () => LimitSets;
  /** The budget counter of a request admitted at `now`, as admission claims it. */
  readonly budgetClaim: (budget: BudgetLimit, now: number, cost: number) => { claim: BudgetClaim; bounds: PeriodBounds };
  readonly standings: BudgetStandings;
  readonly report: (operation: StoreOperation, error: unknown) => void;
  readonly clock: () => number;
}

export type KeyReadings = Pick<Limiter, "standing" | "usage" | "budgetStanding" | "budgetSpend">;

export function createKeyReadings(deps: KeyReadingDeps): KeyReadings {
  const { store, standings, report, clock } = deps;

  async function readBudget(budget: BudgetLimit): Promise<BudgetStanding | undefined> {
    const now = clock();
    const { claim } = deps.budgetClaim(budget, now, 0);
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
    async standing(keyName): Promise<KeyStanding> {
      const key = deps.sets().keys.get(keyName);
      if (key === undefined) return { rpm: undefined, tpm: undefined, maxConcurrent: undefined, budget: undefined };
      const spend = key.budget === undefined ? undefined : deps.budgetClaim(key.budget, clock(), 0);
      const [peeked, read] = await Promise.all([
        store.peek(rateRefs(key)),
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
    },

    async usage(keyName) {
      const key = deps.sets().keys.get(keyName);
      if (key === undefined) return undefined;
      const peeked = await store.peek(rateRefs(key));
      const usage: { -readonly [K in keyof KeyUsage]: KeyUsage[K] } = {};
      for (const b of peeked.buckets) usage[b.kind === "requests" ? "requests" : "tokens"] = { used: b.limit - b.remaining, limit: b.limit };
      const inUse = peeked.slotsInUse[0];
      if (key.concurrency && inUse !== undefined) usage.concurrency = { inUse, max: key.concurrency.max };
      return usage;
    },

    budgetStanding(keyName) {
      const budget = deps.sets().keys.get(keyName)?.budget;
      return budget === undefined ? undefined : readBudget(budget);
    },

    async budgetSpend(): Promise<BudgetSpend[]> {
      const now = clock();
      const reads = [...deps.sets().keys.values()].flatMap((key) => {
        const budget = key.budget;
        if (budget === undefined) return [];
        const { claim } = deps.budgetClaim(budget, now, 0);
        // An async read, so a store that throws (in process) is reported like one that rejects.
        const read = async () => store.check({ buckets: [], budget: claim });
        return [
          read().then(
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
    },
  };
}

/** A key's rpm and tpm buckets and its concurrency slot set, as the store reads them. */
function rateRefs(key: KeyLimitSet): { buckets: BucketRef[]; slotKeys: string[] } {
  const buckets: BucketRef[] = [];
  if (key.requests) buckets.push({ kind: "requests", key: key.requests.storeKey, limit: key.requests.limit, windowMs: WINDOW_MS });
  if (key.tokens) buckets.push({ kind: "tokens", key: key.tokens.storeKey, limit: key.tokens.limit, windowMs: WINDOW_MS });
  return { buckets, slotKeys: key.concurrency ? [key.concurrency.storeKey] : [] };
}
