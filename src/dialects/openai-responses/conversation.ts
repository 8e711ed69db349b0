// The conversation a request continues, resolved from the response store before routing:
// `previous_response_id` brings back the chain's earlier input and output (not its
// instructions), and `item_reference` items are replaced by the stored items they name. A
// response created upstream on the native lane is not in the store: the gateway remembers only
// which provider holds it, and the request is pinned to that provider.
import { GatewayError } from "../../http/errors.ts";
import type { Json } from "./wire.ts";
import type { ResponseStore, StoredResponse } from "./store/response-store.ts";
import { newId } from "./ids.ts";

export interface Conversation {
  /** Earlier items (oldest first) rebuilt from stored responses. */
  readonly history: readonly Json[];
  /** This request's input items, references resolved where the store has them. */
  readonly items: readonly Json[];
  /** The same items as stored and listed (input_items): each with an id, given on first read (only storing reads it). */
  readonly input: readonly Json[];
  /** References the store does not hold (they may name items an upstream holds). */
  readonly unresolved: readonly string[];
  /** The provider holding `previous_response_id` upstream, when the native lane created it. */
  readonly pinned: string | undefined;
  /** Whether anything came from the gateway's store (the native lane then sends it inline). */
  readonly fromStore: boolean;
}

/** Longest chain followed: far beyond any real conversation, and a bound on a corrupt one. */
const MAX_CHAIN = 1_000;

export async function resolveConversation(
  store: ResponseStore,
  owner: string,
  input: readonly Json[],
  previousResponseId: string | undefined,
): Promise<Conversation> {
  let history: Json[] = [];
  let pinned: string | undefined;
  if (previousResponseId !== undefined) {
    const previous = await store.load(owner, previousResponseId);
    if (previous) history = await chainItems(store, owner, previous);
    else pinned = await store.origin(owner, previousResponseId);
    if (!previous && pinned === undefined) throw notFound(`Previous response with id '${previousResponseId}' not found.`, "previous_response_id");
  }
  const unresolved: string[] = [];
  let referenced = false;
  const resolved: Json[] = [];
  for (const item of input) {
    if (item["type"] !== "item_reference") {
      resolved.push(item);
      continue;
    }
    const id = typeof item["id"] === "string" ? item["id"] : "";
    const stored = id === "" ? undefined : await store.item(owner, id);
    if (stored) {
      referenced = true;
      resolved.push(stored);
    } else {
      unresolved.push(id);
      resolved.push(item);
    }
  }
  let listed: readonly Json[] | undefined;
  return {
    history,
    items: resolved,
    get input() {
      return (listed ??= resolved.map(withId));
    },
    unresolved,
    pinned,
    fromStore: history.length > 0 || referenced,
  };
}

export function notFound(message: string, param: string): GatewayError {
  return new GatewayError(404, "invalid_request_error", message, { param, code: "not_found", retryable: false });
}

/** Every earlier turn's input and output, oldest first, as far back as the store still holds. */
async function chainItems(store: ResponseStore, owner: string, last: StoredResponse): Promise<Json[]> {
  const turns: StoredResponse[] = [last];
  for (let at = last; turns.length < MAX_CHAIN; ) {
    const id = at.response.previous_response_id;
    const earlier = id === null ? undefined : await store.load(owner, id);
    if (!earlier) break;
    turns.unshift(earlier);
    at = earlier;
  }
  return turns.flatMap((turn) => [...turn.input, ...(turn.response.output as unknown as Json[])]);
}

/**
 * Items as an upstream's Responses API takes them inline: ids and statuses it never issued
 * taken out, and reasoning it cannot verify (no encrypted content) dropped.
 */
export function inlineItems(items: readonly Json[]): Json[] {
  return items
    .filter((item) => item["type"] !== "reasoning" || typeof item["encrypted_content"] === "string")
    .map(({ id: _id, status: _status, ...rest }) => rest);
}

/** Input items are listed (input_items) with ids, as OpenAI lists them. */
function withId(item: Json): Json {
  if (typeof item["id"] === "string") return item;
  const type = item["type"] ?? "message";
  const prefix = type === "message" ? "msg" : type === "function_call" ? "fc" : type === "function_call_output" ? "fco" : "item";
  return { ...item, type, id: newId(prefix) };
}
