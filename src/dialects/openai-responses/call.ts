// One `POST /v1/responses` as the pipeline carries it: the body as sent (for the native lane),
// its canonical chat translation with the conversation resolved (for routing and the translated
// lane), and what storing the answer needs (owner, store, id, TTL).
import type { ParseContext } from "../../pipeline/front-door.ts";
import type { ChatRequest } from "../../providers/types.ts";
import { inlineItems, notFound, resolveConversation, type Conversation } from "./conversation.ts";
import { newId } from "./ids.ts";
import type { ResponseStore } from "./store/response-store.ts";
import { toChat, type Translation } from "./to-chat.ts";
import { validateResponsesBody, type ResponsesBody } from "./validate.ts";
import type { Json, ResponseObject } from "./wire.ts";

export interface ResponsesCall {
  readonly wire: ResponsesBody;
  readonly conversation: Conversation;
  readonly translation: Translation;
  /** The body the native lane sends: as the client sent it, or with stored history inlined. */
  readonly nativeBody: Json;
  /** The key that owns what is stored ("" on a gateway without keys). */
  readonly owner: string;
  readonly responses: ResponseStore;
  readonly ttlS: number;
  /** The translated lane's response id (drawn on first read) and creation time (the native lane's are the upstream's). */
  readonly id: string;
  readonly createdAt: number;
}

export const ownerOf = (context: Pick<ParseContext, "key">): string => context.key?.name ?? "";

export async function parseResponsesCall(raw: unknown, context: ParseContext): Promise<ResponsesCall> {
  const wire = validateResponsesBody(raw);
  const { runtime } = context;
  const owner = ownerOf(context);
  const conversation = await resolveConversation(runtime.responses, owner, wire.input, wire.previousResponseId);
  const [missing] = conversation.unresolved;
  // Without a provider of this model that could hold it upstream, an unknown reference is unknown everywhere.
  if (missing !== undefined && !mayHoldUpstream(context, wire.model)) throw notFound(`Item with id '${missing}' not found.`, "input");
  const translation = toChat(wire.body, [...conversation.history, ...conversation.items]);
  let id: string | undefined;
  return {
    wire,
    conversation,
    translation,
    nativeBody: nativeBodyOf(wire, conversation),
    owner,
    responses: runtime.responses,
    ttlS: runtime.config.raw.responses.ttl_s,
    get id() {
      return (id ??= newId("resp"));
    },
    createdAt: Math.floor(Date.now() / 1000),
  };
}

/** Whether a provider that serves `model` speaks Responses itself (and so may hold items the gateway never saw). */
function mayHoldUpstream({ runtime }: ParseContext, model: string): boolean {
  const providers = runtime.config.models.get(model)?.providers ?? [...runtime.adapters.keys()];
  return providers.some((id) => runtime.adapters.get(id)?.speaks?.("openai-responses") === true);
}

/** The canonical request routing reads and the translated lane sends. */
export const chatOf = (call: ResponsesCall): ChatRequest => call.translation.chat;

/**
 * What the gateway stored, an upstream never saw: the native lane then sends the conversation
 * inline instead of the ids only the gateway knows.
 */
function nativeBodyOf(wire: ResponsesBody, conversation: Conversation): Json {
  if (!conversation.fromStore) return wire.body;
  const { previous_response_id: _previous, ...rest } = wire.body;
  return { ...rest, input: inlineItems([...conversation.history, ...conversation.items]) };
}

/** The translated lane's Response as it starts: the request's settings echoed, no output yet. */
export function responseShell(call: ResponsesCall): ResponseObject {
  const body = call.wire.body;
  const numberOrNull = (value: unknown) => (typeof value === "number" ? value : null);
  return {
    id: call.id,
    object: "response",
    created_at: call.createdAt,
    status: "in_progress",
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: call.wire.instructions ?? null,
    model: call.wire.model,
    output: [],
    parallel_tool_calls: body["parallel_tool_calls"] !== false,
    tools: [...call.wire.tools],
    tool_choice: body["tool_choice"] ?? "auto",
    temperature: numberOrNull(body["temperature"]),
    top_p: numberOrNull(body["top_p"]),
    max_output_tokens: numberOrNull(body["max_output_tokens"]),
    previous_response_id: call.wire.previousResponseId ?? null,
    store: call.wire.store,
    text: isObject(body["text"]) ? body["text"] : { format: { type: "text" } },
    reasoning: isObject(body["reasoning"]) ? body["reasoning"] : null,
    truncation: body["truncation"] === "auto" ? "auto" : "disabled",
    metadata: isObject(body["metadata"]) ? (body["metadata"] as Record<string, string>) : {},
    usage: null,
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
