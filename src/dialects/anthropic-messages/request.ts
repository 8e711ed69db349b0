// The Messages door's request: the client's body as it came, for targets that speak Messages
// natively, with what routing and limits read of it. The canonical chat translation is built
// only when something needs it (a target that does not speak Messages, a token estimate, a
// count for such a target): on the native lane with no token limit, no chat request exists.
import type { ChatRequest } from "../../providers/types.ts";
import type { Translation } from "./to-chat.ts";

export const MESSAGES_BODY: unique symbol = Symbol("messages body");

export interface MessagesSource {
  /** The body as sent (the gateway's routing hints taken out), forwarded with only `model` set. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The client's `anthropic-*` headers, forwarded unchanged (an open list). */
  readonly headers: Readonly<Record<string, string>>;
  /** `?beta=true` and whatever else the query said, as sent. */
  readonly search: string;
  readonly stream: boolean;
  /**
   * The canonical chat request (routing hints taken out), with what chat cannot carry
   * (`untranslatable`) and the adjustments made for it (`warnings`); built once, on first use.
   */
  translation(): Translation;
}

export interface MessagesRequest {
  readonly model: string;
  /** Absent on a count_tokens body. */
  readonly max_tokens?: number;
  /** The gateway's routing hints from `metadata` (sensitivity, complexity), for classification alone. */
  readonly hints?: Readonly<Record<string, unknown>>;
  readonly [MESSAGES_BODY]: MessagesSource;
}

/** The canonical chat request of a Messages request, for a target that does not speak Messages. */
export const chatOf = (req: MessagesRequest): ChatRequest => req[MESSAGES_BODY].translation().chat;
