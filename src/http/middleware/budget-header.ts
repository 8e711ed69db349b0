// Every response for a budgeted key carries `x-llm-budget-remaining-usd`, whatever answered it.
// A front door's request is admitted by the pipeline, whose budget read puts the header on what
// follows; this middleware covers the rest: routes that never admit (stored responses, models,
// the key's own view) are read before they run, since some write their response themselves,
// and a door's request that ended before admission (bad body, policy, unknown model, too large)
// is read once its error response is built. A key without a budget costs nothing here.
import type { MiddlewareHandler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { BUDGET_REMAINING_HEADER, writeBudgetHeaders } from "../../limits/headers.ts";
import type { RuntimeSource } from "../../runtime.ts";
import type { GatewayEnv } from "../context.ts";

/** `admits(method, path)`: whether the request goes through the pipeline's admission. */
export function budgetHeader(source: RuntimeSource, admits: (method: string, path: string) => boolean): MiddlewareHandler<GatewayEnv> {
  return async function budgetHeaderMiddleware(c, next) {
    const key = c.get("key");
    if (key === undefined) return next();
    const headers = c.get("replyHeaders");
    if (!admits(c.req.method, c.req.path)) await stampBudget(source, key.name, headers);
    await next();
    // The request-id middleware copies the reply headers onto a response Hono built.
    if (c.res !== RESPONSE_ALREADY_SENT) await stampBudgetUnlessDone(source, key.name, headers);
  };
}

/** Puts the key's budget standing on the reply headers (nothing for a key without a budget). */
export async function stampBudget(source: RuntimeSource, keyName: string, headers: Record<string, string>): Promise<void> {
  const standing = await source.current.limiter.budgetStanding(keyName);
  if (standing !== undefined) writeBudgetHeaders(headers, standing);
}

/** For a response built after the request was refused: admission, when it ran, stamped already. */
export async function stampBudgetUnlessDone(source: RuntimeSource, keyName: string, headers: Record<string, string>): Promise<void> {
  if (headers[BUDGET_REMAINING_HEADER] === undefined) await stampBudget(source, keyName, headers);
}
