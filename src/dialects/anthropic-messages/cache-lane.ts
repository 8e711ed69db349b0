// How the response cache reads the Messages door: its translated lane's canonical chat request
// and answer. The native lane (an Anthropic provider given the body as sent) is not cached.
import type { TranslatedLane } from "../../pipeline/cache-seam.ts";
import { speaksMessages, type MessagesResult } from "./operation.ts";
import { MESSAGES_BODY, type MessagesRequest } from "./request.ts";

export const messagesCacheLane: TranslatedLane<MessagesRequest, MessagesResult> = {
  // A body chat cannot carry is served by native targets only. Asked only when the plan's first
  // target translates, so the translation is one that target needs anyway.
  chat(req) {
    const { chat, untranslatable } = req[MESSAGES_BODY].translation();
    return untranslatable.length > 0 ? undefined : chat;
  },
  translationWarnings: (req) => req[MESSAGES_BODY].translation().warnings,
  native: speaksMessages,
  translated: (served) => (served.lane === "translated" ? served.result : undefined),
  // A fresh answer keeps what the lane noted (the serving model); a hit names none, and the door estimates for the model asked.
  wrap: (result, served) => (served?.lane === "translated" ? { ...served, result } : { lane: "translated", result }),
};
