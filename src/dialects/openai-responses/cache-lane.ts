// How the response cache reads the Responses door: its translated lane's canonical chat request
// (the conversation already resolved from the store, so `previous_response_id` is keyed on the
// history it stands for) and answer. The door writes a hit like a fresh answer: a new response
// id, stored when `store` is on. The native lane is not cached, and neither is a request that
// continues a response or names items held upstream (only the native lane can serve those).
import type { TranslatedLane } from "../../pipeline/cache-seam.ts";
import type { ResponsesCall } from "./call.ts";
import { speaksResponses, type ResponsesResult } from "./operation.ts";

/** A hit's provider: it names no upstream, and only a relayed answer's parse errors would read it. */
const CACHE = "cache";

export const responsesCacheLane: TranslatedLane<ResponsesCall, ResponsesResult> = {
  chat(call) {
    const { conversation, translation } = call;
    if (translation.untranslatable || conversation.pinned !== undefined || conversation.unresolved.length > 0) return undefined;
    return translation.chat;
  },
  // Dropped reasoning is reported naming the target that could not use it, as a target's own adjustment.
  translationWarnings: () => [],
  native: speaksResponses,
  translated: (served) => (served.lane === "translated" ? served.result : undefined),
  wrap: (result, served) => (served?.lane === "translated" ? { ...served, result } : { lane: "translated", provider: CACHE, result }),
};
