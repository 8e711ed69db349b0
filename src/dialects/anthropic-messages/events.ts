// Canonical chat chunks → the Messages event stream, as a state machine that cannot emit an
// ill-formed sequence: message_start first; each block started before its deltas, one open at a
// time, stopped before the next starts, in index order; message_delta (stop reason and final
// usage) after the last block; message_stop last. Text streams as it comes. Tool calls are
// gathered by their chat index and each is written whole once the answer is complete, so
// fragments of parallel calls can interleave upstream without mixing here, and the input the
// client rebuilds from its deltas is exactly the arguments the model wrote.
import type { ChatCompletionChunk } from "../../providers/types.ts";
import { newMessageId, stopReasonOf, toMessagesUsage, toolUseId, type ChatUsage } from "./from-chat.ts";
import type { StreamEvent } from "./wire.ts";

interface PendingCall {
  id: string | undefined;
  name: string;
  args: string;
}

export class MessageEvents {
  readonly #model: string;
  #started = false;
  #index = 0;
  #textOpen = false;
  #finish: string | null = null;
  #usage: ChatUsage | undefined;
  readonly #calls = new Map<number, PendingCall>();

  constructor(model: string) {
    this.#model = model;
  }

  /** The events one chunk adds (none until there is something to say). */
  push(chunk: ChatCompletionChunk): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return out;
    this.#start(out);
    const text = choice.delta.content;
    if (typeof text === "string" && text !== "") {
      if (!this.#textOpen) {
        out.push({ type: "content_block_start", index: this.#index, content_block: { type: "text", text: "" } });
        this.#textOpen = true;
      }
      out.push({ type: "content_block_delta", index: this.#index, delta: { type: "text_delta", text } });
    }
    for (const call of choice.delta.tool_calls ?? []) {
      const pending = this.#calls.get(call.index) ?? { id: undefined, name: "", args: "" };
      pending.id ??= call.id;
      pending.name += call.function?.name ?? "";
      pending.args += call.function?.arguments ?? "";
      this.#calls.set(call.index, pending);
    }
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    return out;
  }

  /** The closing events, once the upstream stream has ended cleanly. */
  finish(): StreamEvent[] {
    const out: StreamEvent[] = [];
    this.#start(out);
    this.#closeText(out);
    const calls = [...this.#calls.entries()].sort(([a], [b]) => a - b);
    for (const [position, call] of calls) {
      const index = this.#index;
      const id = toolUseId(call.id, `toolu_${position}`);
      out.push({ type: "content_block_start", index, content_block: { type: "tool_use", id, name: call.name, input: {} } });
      out.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.args.trim() === "" ? "{}" : call.args } });
      out.push({ type: "content_block_stop", index });
      this.#index += 1;
    }
    out.push({
      type: "message_delta",
      delta: { stop_reason: stopReasonOf(this.#finish, calls.length > 0), stop_sequence: null },
      usage: toMessagesUsage(this.#usage),
    });
    out.push({ type: "message_stop" });
    return out;
  }

  #start(out: StreamEvent[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push({
      type: "message_start",
      message: {
        id: newMessageId(),
        type: "message",
        role: "assistant",
        model: this.#model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Provisional, as Anthropic's own is: chat upstreams report usage only at the end, and
        // message_delta carries the final counts, input included.
        usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  #closeText(out: StreamEvent[]): void {
    if (!this.#textOpen) return;
    out.push({ type: "content_block_stop", index: this.#index });
    this.#textOpen = false;
    this.#index += 1;
  }
}

/** The Messages events of a canonical chunk stream, ending with message_stop when it ends cleanly. */
export async function* messageEvents(chunks: AsyncIterable<ChatCompletionChunk>, model: string): AsyncGenerator<StreamEvent> {
  const machine = new MessageEvents(model);
  for await (const chunk of chunks) yield* machine.push(chunk);
  yield* machine.finish();
}

export const PING: StreamEvent = { type: "ping" };

/**
 * Yields `ping` whenever the source is silent for `intervalMs`, so a client that abandons silent
 * streams (Claude Code gives up after 300 s without a byte) keeps waiting for a slow upstream.
 */
export async function* withPings<T>(source: AsyncIterable<T>, intervalMs: number, ping: T): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const tick = new Promise<"ping">((resolve) => (timer = setTimeout(() => resolve("ping"), intervalMs)));
      const winner = await Promise.race([next, tick]);
      clearTimeout(timer);
      if (winner === "ping") {
        yield ping;
        continue;
      }
      if (winner.done === true) return;
      yield winner.value;
      next = iterator.next();
    }
  } finally {
    clearTimeout(timer);
    // Left early (the client went away): a read may still be pending, and ends with the upstream.
    next.catch(() => undefined);
    void iterator.return?.().catch(() => undefined);
  }
}
