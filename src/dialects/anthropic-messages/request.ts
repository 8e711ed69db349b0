// The Messages door's request: the canonical chat request routing, limits and translating
// targets read, carrying the client's body as it came for targets that speak Messages natively.
// The body rides under a symbol key, so no chat upstream ever serialises it.
import type { ChatRequest } from "../../providers/types.ts";

export const MESSAGES_BODY: unique symbol = Symbol("messages body");

export interface MessagesSource {
  /** The body as sent (the gateway's routing hints taken out), forwarded with only `model` set. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The client's `anthropic-*` headers, forwarded unchanged (an open list). */
  readonly headers: Readonly<Record<string, string>>;
  /** `?beta=true` and whatever else the query said, as sent. */
  readonly search: string;
  readonly stream: boolean;
  /** What chat cannot carry: a target that does not speak Messages cannot serve it. */
  readonly untranslatable: readonly string[];
  /** Adjustments made for chat targets, reported when one serves. */
  readonly warnings: readonly string[];
}

export type MessagesRequest = ChatRequest & { readonly [MESSAGES_BODY]: MessagesSource };
