// Reading stored Responses: GET, DELETE and input_items, always as the key that created them
// (another key's id is not found). A stored response can be read as its event stream again
// (`stream=true`, from `starting_after`). A response created upstream on the native lane is
// answered by the provider that holds it (the client's query passed on); if that provider cannot
// be reached the client is told so.
import { GatewayError } from "../../http/errors.ts";
import { estimatePromptTokens } from "../../limits/tokens.ts";
import type { ParseContext } from "../../pipeline/front-door.ts";
import type { CallOptions, PassthroughResult } from "../../providers/types.ts";
import { ownerOf, parseResponsesCall } from "./call.ts";
import type { StreamEvent } from "./builder.ts";
import { notFound } from "./conversation.ts";
import { replayEvents } from "./replay.ts";
import type { Json } from "./wire.ts";

export type StoredAnswer =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "events"; readonly events: readonly StreamEvent[] }
  | { readonly kind: "relayed"; readonly result: PassthroughResult };

export interface StoredRequest {
  readonly context: ParseContext;
  readonly id: string;
  /** For a response held upstream: the call options of the forwarded request. */
  readonly options: CallOptions;
}

const missing = (id: string) => notFound(`Response with id '${id}' not found.`, "response_id");

export interface GetQuery {
  /** Replay as the event stream, after this sequence number (-1: from the start); undefined: JSON. */
  readonly streamAfter: number | undefined;
  /** The query string as received, for a response held upstream. */
  readonly search: string;
}

export async function getStored({ context, id, options }: StoredRequest, query: GetQuery): Promise<StoredAnswer> {
  const stored = await context.runtime.responses.load(ownerOf(context), id);
  if (stored && query.streamAfter !== undefined) return { kind: "events", events: replayEvents(stored.response, query.streamAfter) };
  if (stored) return { kind: "json", status: 200, body: stored.response };
  return forward(context, id, { method: "GET", path: `/responses/${id}${query.search}`, stream: query.streamAfter !== undefined }, options);
}

export async function deleteStored({ context, id, options }: StoredRequest): Promise<StoredAnswer> {
  const owner = ownerOf(context);
  if (await context.runtime.responses.remove(owner, id)) return { kind: "json", status: 200, body: { id, object: "response.deleted", deleted: true } };
  const answer = await forward(context, id, { method: "DELETE", path: `/responses/${id}` }, options);
  await context.runtime.responses.forget(owner, id);
  return answer;
}

export interface ListQuery {
  readonly limit: number;
  readonly order: "asc" | "desc";
  readonly after: string | undefined;
  /** The query string as received, for a response held upstream. */
  readonly search: string;
}

export async function listInputItems(request: StoredRequest, query: ListQuery): Promise<StoredAnswer> {
  const { context, id, options } = request;
  const stored = await context.runtime.responses.load(ownerOf(context), id);
  if (!stored) return forward(context, id, { method: "GET", path: `/responses/${id}/input_items${query.search}` }, options);
  // OpenAI lists the most recent input first by default.
  const items = query.order === "desc" ? [...stored.input].reverse() : [...stored.input];
  const start = query.after === undefined ? 0 : items.findIndex((item) => item["id"] === query.after) + 1;
  const page = items.slice(start, start + query.limit);
  const idOf = (item: Json | undefined) => (typeof item?.["id"] === "string" ? item["id"] : null);
  return {
    kind: "json",
    status: 200,
    body: { object: "list", data: page, first_id: idOf(page[0]), last_id: idOf(page.at(-1)), has_more: start + page.length < items.length },
  };
}

/** `POST /v1/responses/input_tokens`: the gateway's estimate over instructions, history, input and tools. */
export async function countInputTokens(body: unknown, context: ParseContext): Promise<StoredAnswer> {
  const call = await parseResponsesCall(body, context);
  const input_tokens = estimatePromptTokens(call.translation.chat, call.wire.model);
  return { kind: "json", status: 200, body: { object: "response.input_tokens", input_tokens } };
}

async function forward(context: ParseContext, id: string, request: { method: "GET" | "DELETE"; path: string; stream?: boolean }, options: CallOptions): Promise<StoredAnswer> {
  const provider = await context.runtime.responses.origin(ownerOf(context), id);
  if (provider === undefined) throw missing(id);
  const adapter = context.runtime.adapters.get(provider);
  if (!adapter?.native || adapter.speaks?.("openai-responses") !== true) {
    throw new GatewayError(503, "service_unavailable", `response '${id}' is held by provider '${provider}', which cannot serve it now (not configured for the Responses API)`, {
      code: "response_provider_unavailable",
      retryable: false,
    });
  }
  return { kind: "relayed", result: await adapter.native("openai-responses", request, "", options) };
}
