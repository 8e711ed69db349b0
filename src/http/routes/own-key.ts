// GET /v1/key: the calling key's own view — its name, the models it may use, its limits with
// what remains of them now, and its budget. It answers only about the key that asks; nothing
// here takes a key name from the request.
import type { Handler } from "hono";
import type { KeyStanding } from "../../limits/limiter.ts";
import { writeBudgetHeaders } from "../../limits/headers.ts";
import { toMicros } from "../../limits/spend.ts";
import type { RuntimeSource } from "../../runtime.ts";
import type { GatewayEnv } from "../context.ts";
import { GatewayError } from "../errors.ts";
import { visibleModels } from "./models.ts";

const NO_LIMITS: KeyStanding = { rpm: undefined, tpm: undefined, maxConcurrent: undefined, budget: undefined };

export function ownKey(source: RuntimeSource): Handler<GatewayEnv> {
  return async function ownKeyHandler(c) {
    const runtime = source.current;
    const key = c.get("key");
    let standing = NO_LIMITS;
    if (key !== undefined) {
      try {
        standing = await runtime.limiter.standing(key.name);
      } catch (error) {
        throw new GatewayError(503, "service_unavailable", "The gateway cannot reach its limits store to read this key's standing.", {
          code: "rate_limit_store_unavailable",
          headers: { "retry-after": "1" },
          cause: error,
        });
      }
    }
    const { budget } = standing;
    const headers = c.get("replyHeaders");
    if (budget !== undefined) writeBudgetHeaders(headers, { remainingMicros: toMicros(budget.remainingUsd) });
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return c.json(
      {
        object: "key",
        name: key?.name ?? null,
        models: visibleModels(runtime.config, c).map((m) => m.id),
        limits: {
          rpm: standing.rpm ?? null,
          tpm: standing.tpm ?? null,
          max_concurrent:
            standing.maxConcurrent === undefined
              ? null
              : { limit: standing.maxConcurrent.limit, in_use: standing.maxConcurrent.inUse, remaining: standing.maxConcurrent.remaining },
        },
        budget:
          budget === undefined
            ? null
            : {
                usd: budget.usd,
                period: budget.period,
                spent_usd: budget.spentUsd,
                held_usd: budget.heldUsd,
                remaining_usd: budget.remainingUsd,
                period_start: budget.resetsAt === undefined ? null : iso(budget.periodStart),
                resets_at: iso(budget.resetsAt),
              },
      },
      200,
      headers,
    );
  };
}
