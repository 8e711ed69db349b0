// The chat cache for doors that serve chat on a translated lane (Messages, Responses): the entry
// is the canonical completion of the canonical chat request, keyed under the door's name, and
// the door renders a hit in its own form (JSON or its event stream, with fresh ids) as it would
// a fresh answer. A request the plan's first target serves natively is not cached at all, and
// an answer a native lane gave after a fallback is not stored.
import type { CacheQuery, CacheTicket, TranslatedLane } from "../../pipeline/cache-seam.ts";
import type { ChatRequest } from "../../providers/types.ts";
import type { CacheContext } from "../context.ts";
import type { RequestPolicy } from "../policy.ts";
import { openChat } from "./open.ts";

/** Whether the request may be cached: the plan's first target translates, and the request is translatable. */
export function translatedChat<Req, Result>(lane: TranslatedLane<Req, Result>, query: CacheQuery<Req>): ChatRequest | undefined {
  const first = query.decision.plan[0];
  const adapter = first === undefined ? undefined : query.adapters.get(first.provider);
  if (adapter === undefined || lane.native(adapter)) return undefined;
  return lane.chat(query.req);
}

export async function openTranslated<Req, Result>(
  ctx: CacheContext,
  policy: RequestPolicy,
  lane: TranslatedLane<Req, Result>,
  query: CacheQuery<Req>,
  chat: ChatRequest,
): Promise<CacheTicket<Req, Result>> {
  const ticket = await openChat(ctx, policy, { req: chat, api: query.api, signal: query.signal }, chat);
  const { hit } = ticket;
  return {
    status: ticket.status,
    hit: hit && { result: lane.wrap(hit.result, undefined), ageSeconds: hit.ageSeconds },
    req: query.req,
    store(result, served) {
      const answer = lane.translated(result);
      if (answer === undefined) {
        ticket.abandon();
        return result;
      }
      const own = lane.translationWarnings(query.req);
      const warnings = own.length === 0 ? served.warnings : served.warnings.filter((warning) => !own.includes(warning));
      return lane.wrap(ticket.store(answer, { fallbacks: served.fallbacks, warnings }), result);
    },
    abandon: () => ticket.abandon(),
  };
}
