// Builds a Response from canonical chat chunks, and the Responses stream events that go with it,
// in the spec's order: created, in_progress, then per output item `output_item.added`, its
// content part (or arguments) deltas and `.done` events, and one terminal event carrying the
// whole response. Every event gets the next sequence number, from 0. Pure apart from ids.
import type { ChatCompletion, ChatCompletionChunk } from "../../providers/types.ts";
import { newId, type IdPrefix } from "./ids.ts";
import type { NamespacedName } from "./to-chat.ts";
import type { FunctionCallItem, Json, MessageItem, OutputText, ReasoningItem, RefusalContent, ResponseObject, ResponseUsage } from "./wire.ts";

export type StreamEvent = Json & { type: string; sequence_number: number };

/** Usage as canonical chunks report it, with the detail fields some upstreams add. */
interface ChunkUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

type OpenItem =
  | { kind: "message"; index: number; item: MessageItem; part: OutputText | RefusalContent | undefined }
  | { kind: "call"; index: number; item: FunctionCallItem; toolIndex: number }
  | { kind: "reasoning"; index: number; item: ReasoningItem };

export class ResponseBuilder {
  readonly #response: ResponseObject;
  #sequence = 0;
  #open: OpenItem | undefined;
  #finish: string | null = null;
  #usage: ResponseUsage | null = null;
  /** Output index → the chat tool-call index it was built from. */
  readonly #toolIndexes = new Map<number, number>();

  readonly #ids: (prefix: IdPrefix) => string;
  readonly #namespaced: ReadonlyMap<string, NamespacedName>;

  /**
   * `shell` is the response as it starts: in progress, no output, no usage. `ids` names each
   * output item as it opens (a replay hands back the stored ids, in order); `namespaced` maps
   * chat tool names back to the `namespace` tool functions they stand for.
   */
  constructor(shell: ResponseObject, options: { ids?: (prefix: IdPrefix) => string; namespaced?: ReadonlyMap<string, NamespacedName> } = {}) {
    this.#response = shell;
    this.#ids = options.ids ?? newId;
    this.#namespaced = options.namespaced ?? new Map();
  }

  get response(): ResponseObject {
    return this.#response;
  }

  start(): StreamEvent[] {
    return [this.#event("response.created", { response: this.#snapshot() }), this.#event("response.in_progress", { response: this.#snapshot() })];
  }

  push(chunk: ChatCompletionChunk): StreamEvent[] {
    const events: StreamEvent[] = [];
    if (chunk.usage) this.#usage = usageOf(chunk.usage);
    const choice = chunk.choices[0];
    if (!choice) return events;
    const delta = choice.delta as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null };
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") this.#reasoning(delta.reasoning_content, events);
    if (typeof delta.content === "string" && delta.content !== "") this.#text("output_text", delta.content, events);
    if (typeof delta.refusal === "string" && delta.refusal !== "") this.#text("refusal", delta.refusal, events);
    for (const call of delta.tool_calls ?? []) this.#toolCall(call, events);
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    return events;
  }

  /** Closes what is open and returns the remaining events, the terminal one last. */
  finish(now: number = Date.now()): StreamEvent[] {
    const events: StreamEvent[] = [];
    const incomplete = this.#finish === "length" || this.#finish === "content_filter";
    this.#close(events, incomplete ? "incomplete" : "completed");
    const r = this.#response;
    r.usage = this.#usage ?? emptyUsage();
    r.completed_at = Math.floor(now / 1000);
    if (incomplete) {
      r.status = "incomplete";
      r.incomplete_details = { reason: this.#finish === "length" ? "max_output_tokens" : "content_filter" };
    } else {
      r.status = "completed";
    }
    events.push(this.#event(incomplete ? "response.incomplete" : "response.completed", { response: r }));
    return events;
  }

  /** The terminal event of a stream that broke after it started; nothing may follow it. */
  fail(code: string, message: string): StreamEvent {
    const r = this.#response;
    this.#open = undefined;
    r.status = "failed";
    r.error = { code, message };
    r.usage = this.#usage;
    return this.#event("response.failed", { response: r });
  }

  #reasoning(text: string, events: StreamEvent[]): void {
    let open = this.#open;
    if (open?.kind !== "reasoning") {
      this.#close(events, "completed");
      const item: ReasoningItem = { type: "reasoning", id: this.#ids("rs"), summary: [] };
      open = { kind: "reasoning", index: this.#response.output.length, item };
      this.#add(open, events);
      item.summary.push({ type: "summary_text", text: "" });
      events.push(this.#event("response.reasoning_summary_part.added", { item_id: item.id, output_index: open.index, summary_index: 0, part: { type: "summary_text", text: "" } }));
    }
    const part = open.item.summary[0] as { text: string };
    part.text += text;
    events.push(this.#event("response.reasoning_summary_text.delta", { item_id: open.item.id, output_index: open.index, summary_index: 0, delta: text }));
  }

  #text(kind: "output_text" | "refusal", text: string, events: StreamEvent[]): void {
    let open = this.#open;
    if (open?.kind !== "message") {
      this.#close(events, "completed");
      open = { kind: "message", index: this.#response.output.length, item: { type: "message", id: this.#ids("msg"), role: "assistant", status: "in_progress", content: [] }, part: undefined };
      this.#add(open, events);
    }
    if (open.part?.type !== kind) {
      this.#closePart(open, events);
      const part: OutputText | RefusalContent = kind === "output_text" ? { type: "output_text", text: "", annotations: [], logprobs: [] } : { type: "refusal", refusal: "" };
      open.part = part;
      open.item.content.push(part);
      events.push(this.#event("response.content_part.added", { ...this.#where(open), part: { ...part } }));
    }
    const part = open.part;
    if (part.type === "output_text") {
      part.text += text;
      events.push(this.#event("response.output_text.delta", { ...this.#where(open), delta: text, logprobs: [] }));
    } else {
      part.refusal += text;
      events.push(this.#event("response.refusal.delta", { ...this.#where(open), delta: text }));
    }
  }

  #toolCall(call: ChatCompletionChunk.Choice.Delta.ToolCall, events: StreamEvent[]): void {
    let open = this.#open;
    if (open?.kind !== "call" || open.toolIndex !== call.index) {
      const earlier = this.#response.output.find((item, i) => item.type === "function_call" && this.#toolIndexes.get(i) === call.index);
      if (earlier?.type === "function_call") {
        // A late fragment of a call already closed: kept in the final item, no event can carry it.
        earlier.arguments += call.function?.arguments ?? "";
        return;
      }
      this.#close(events, "completed");
      const item: FunctionCallItem = { type: "function_call", id: this.#ids("fc"), call_id: call.id ?? `call_${newId("item").slice(5)}`, name: call.function?.name ?? "", arguments: "", status: "in_progress" };
      this.#unqualify(item);
      open = { kind: "call", index: this.#response.output.length, item, toolIndex: call.index };
      this.#toolIndexes.set(open.index, call.index);
      this.#add(open, events);
    } else if (call.function?.name) {
      open.item.name += call.function.name;
    }
    const fragment = call.function?.arguments ?? "";
    if (fragment === "") return;
    open.item.arguments += fragment;
    events.push(this.#event("response.function_call_arguments.delta", { item_id: open.item.id, output_index: open.index, delta: fragment }));
  }

  #add(open: OpenItem, events: StreamEvent[]): void {
    this.#open = open;
    this.#response.output.push(open.item);
    events.push(this.#event("response.output_item.added", { output_index: open.index, item: structuredClone(open.item) }));
  }

  #closePart(open: Extract<OpenItem, { kind: "message" }>, events: StreamEvent[]): void {
    const part = open.part;
    if (!part) return;
    if (part.type === "output_text") events.push(this.#event("response.output_text.done", { ...this.#where(open), text: part.text, logprobs: [] }));
    else events.push(this.#event("response.refusal.done", { ...this.#where(open), refusal: part.refusal }));
    events.push(this.#event("response.content_part.done", { ...this.#where(open), part: { ...part } }));
    open.part = undefined;
  }

  #close(events: StreamEvent[], status: "completed" | "incomplete"): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    if (open.kind === "message") {
      this.#closePart(open, events);
      open.item.status = status;
    } else if (open.kind === "call") {
      open.item.status = status;
      this.#unqualify(open.item);
      events.push(this.#event("response.function_call_arguments.done", { item_id: open.item.id, output_index: open.index, name: open.item.name, arguments: open.item.arguments }));
    } else {
      const part = open.item.summary[0];
      if (part) {
        events.push(this.#event("response.reasoning_summary_text.done", { item_id: open.item.id, output_index: open.index, summary_index: 0, text: part.text }));
        events.push(this.#event("response.reasoning_summary_part.done", { item_id: open.item.id, output_index: open.index, summary_index: 0, part: { ...part } }));
      }
    }
    events.push(this.#event("response.output_item.done", { output_index: open.index, item: structuredClone(open.item) }));
  }

  /** A chat tool name that stands for a namespaced function, as the namespace and function. */
  #unqualify(item: FunctionCallItem): void {
    const parts = item.namespace === undefined ? this.#namespaced.get(item.name) : undefined;
    if (parts === undefined) return;
    item.namespace = parts.namespace;
    item.name = parts.name;
  }

  #where(open: Extract<OpenItem, { kind: "message" }>): Json {
    return { item_id: open.item.id, output_index: open.index, content_index: open.item.content.length - 1 };
  }

  /** The response as it stands, for the opening events (its output grows afterwards). */
  #snapshot(): ResponseObject {
    return { ...this.#response, output: [] };
  }

  #event(type: string, fields: Json): StreamEvent {
    return { type, ...fields, sequence_number: this.#sequence++ };
  }
}

function usageOf(u: ChunkUsage): ResponseUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: u.prompt_tokens_details?.cache_write_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens,
  };
}

function emptyUsage(): ResponseUsage {
  return usageOf({ prompt_tokens: 0, completion_tokens: 0 });
}

/** A complete chat answer as the one chunk that would have streamed it, so JSON and streams share one builder. */
export function completionChunk(completion: ChatCompletion): ChatCompletionChunk {
  const choice = completion.choices[0];
  const message = choice?.message as (ChatCompletion.Choice["message"] & { reasoning_content?: string | null }) | undefined;
  const delta: Record<string, unknown> = {};
  if (message?.reasoning_content) delta["reasoning_content"] = message.reasoning_content;
  if (message?.content) delta["content"] = message.content;
  if (message?.refusal) delta["refusal"] = message.refusal;
  const calls = (message?.tool_calls ?? []).flatMap((call, index) =>
    call.type === "function" ? [{ index, id: call.id, type: "function" as const, function: { name: call.function.name, arguments: call.function.arguments } }] : [],
  );
  if (calls.length > 0) delta["tool_calls"] = calls;
  return {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    choices: [{ index: 0, delta, finish_reason: choice?.finish_reason ?? "stop", logprobs: null }],
    ...(completion.usage ? { usage: completion.usage } : {}),
  };
}
