// Canonical chat chunks → the Messages event stream, as a state machine that cannot emit an
// ill-formed sequence: message_start first (with the input estimate as its usage, as Anthropic
// sends its own count there); each block started before its deltas, one open at a time, stopped
// before the next starts, in index order; message_delta (stop reason and the final cumulative
// usage) after the last block; message_stop last.
//
// Text and tool input stream as they arrive. Chat upstreams may interleave parallel tool calls'
// fragments (and, rarely, text), while Anthropic allows one open block, so the rule is:
// - the open block takes its own fragments live (a tool call's as input_json_delta);
// - anything else waits, in arrival order, while the open block may still grow; a text block can
//   always be closed (later text opens a new one), a tool call only once its arguments form a
//   whole JSON object (nothing but whitespace can follow that), so the common upstream order,
//   one call after another, streams every call live;
// - a tool call opens once its name is known; what waited is written whole when it opens;
// - at the finish every block still open or waiting is written and closed, in order.
// The input_json_delta fragments of a call concatenate to exactly the arguments the model wrote
// (`{}` for none; arguments that are not a JSON object are held and sent as `{"input": ...}`, as
// the JSON answer does), and no empty text block is ever written.
import { matchedStop } from "../../providers/canonical-chat.ts";
import type { ChatCompletionChunk } from "../../providers/types.ts";
import { newMessageId, stopOf, toMessagesUsage, toolInput, toolUseId, type AnswerContext, type ChatUsage } from "./from-chat.ts";
import type { StreamEvent } from "./wire.ts";

/** Claude Code abandons a stream after 300 s without a byte; a translated stream pings well before. */
export const PING_INTERVAL_MS = 10_000;

interface TextBlock {
  readonly kind: "text";
  text: string;
}

interface ToolBlock {
  readonly kind: "tool";
  /** The call's position among the answer's calls, the fallback for its id. */
  readonly position: number;
  id: string | undefined;
  name: string;
  /** The arguments received so far (all of them: the open block's were also sent). */
  args: string;
  readonly shape: ArgumentsShape;
  /** How much of `args` has been sent in input_json_delta. */
  sentLength: number;
  closed: boolean;
}

type Block = TextBlock | ToolBlock;

export class MessageEvents {
  readonly #context: AnswerContext;
  readonly #messageId = newMessageId();
  #started = false;
  #index = 0;
  #open: Block | undefined;
  readonly #waiting: Block[] = [];
  /** The call each chat index is currently writing. */
  readonly #calls = new Map<number, ToolBlock>();
  #callCount = 0;
  #finish: string | null = null;
  #matched: string | undefined;
  #usage: ChatUsage | undefined;

  constructor(context: AnswerContext) {
    this.#context = context;
  }

  /** The events one chunk adds (none until there is something to say). */
  push(chunk: ChatCompletionChunk): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return out;
    this.#start(out);
    const text = choice.delta.content;
    if (typeof text === "string" && text !== "") this.#text(text, out);
    for (const call of choice.delta.tool_calls ?? []) this.#toolFragment(call, out);
    this.#matched = matchedStop(choice) ?? this.#matched;
    if (choice.finish_reason) {
      this.#finish = choice.finish_reason;
      // The answer is complete: its blocks can close now, before the usage chunk comes.
      this.#drain(out);
    }
    return out;
  }

  /** The closing events, once the upstream stream has ended cleanly. */
  finish(): StreamEvent[] {
    const out: StreamEvent[] = [];
    this.#start(out);
    this.#drain(out);
    out.push({
      type: "message_delta",
      delta: stopOf(this.#finish, this.#callCount > 0, this.#matched, this.#context.stopSequences),
      usage: toMessagesUsage(this.#usage, this.#context.inputTokens),
    });
    out.push({ type: "message_stop" });
    return out;
  }

  #text(text: string, out: StreamEvent[]): void {
    if (this.#open?.kind === "text" && this.#waiting.length === 0) {
      out.push({ type: "content_block_delta", index: this.#index, delta: { type: "text_delta", text } });
      return;
    }
    const last = this.#waiting.at(-1);
    if (last?.kind === "text") last.text += text;
    else this.#waiting.push({ kind: "text", text });
    this.#advance(out);
  }

  #toolFragment(call: ChatCompletionChunk.Choice.Delta.ToolCall, out: StreamEvent[]): void {
    let block = this.#calls.get(call.index);
    const id = typeof call.id === "string" && call.id !== "" ? call.id : undefined;
    // Some OpenAI-compatible servers send every parallel call at index 0: a new id is a new call.
    if (block === undefined || (id !== undefined && block.id !== undefined && id !== block.id)) {
      block = { kind: "tool", position: this.#callCount, id: undefined, name: "", args: "", shape: new ArgumentsShape(), sentLength: 0, closed: false };
      this.#callCount += 1;
      this.#calls.set(call.index, block);
      this.#waiting.push(block);
    }
    // A fragment for a call already closed can only be whitespace after its whole object.
    if (block.closed) return;
    block.id ??= id;
    // A name is sent once, or repeated whole by some servers; otherwise its pieces add up.
    const name = call.function?.name ?? "";
    if (name !== block.name) block.name += name;
    const fragment = call.function?.arguments ?? "";
    block.args += fragment;
    block.shape.read(fragment);
    if (block === this.#open) this.#sendArguments(block, out);
    this.#advance(out);
  }

  /** Opens waiting blocks, in order, for as long as the open one can be closed. */
  #advance(out: StreamEvent[]): void {
    for (;;) {
      const next = this.#waiting[0];
      if (next === undefined || !this.#closable(this.#open) || (next.kind === "tool" && next.name === "")) return;
      this.#close(out);
      this.#waiting.shift();
      this.#openBlock(next, out);
    }
  }

  /** Writes and closes every block, the waiting ones included. */
  #drain(out: StreamEvent[]): void {
    this.#close(out);
    for (let next = this.#waiting.shift(); next !== undefined; next = this.#waiting.shift()) {
      this.#openBlock(next, out);
      this.#close(out);
    }
  }

  #closable(block: Block | undefined): boolean {
    return block === undefined || block.kind === "text" || block.shape.state === "complete";
  }

  #openBlock(block: Block, out: StreamEvent[]): void {
    const index = this.#index;
    this.#open = block;
    if (block.kind === "text") {
      out.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      out.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } });
      return;
    }
    const id = toolUseId(block.id, this.#messageId, block.position);
    out.push({ type: "content_block_start", index, content_block: { type: "tool_use", id, name: block.name, input: {} } });
    this.#sendArguments(block, out);
  }

  /** Sends the open call's unsent arguments, once they are known to be an object's. */
  #sendArguments(block: ToolBlock, out: StreamEvent[]): void {
    if (block.shape.state === "pending" || block.shape.state === "foreign") return;
    const unsent = block.args.slice(block.sentLength);
    if (unsent === "") return;
    block.sentLength = block.args.length;
    out.push({ type: "content_block_delta", index: this.#index, delta: { type: "input_json_delta", partial_json: unsent } });
  }

  #close(out: StreamEvent[]): void {
    const block = this.#open;
    if (block === undefined) return;
    if (block.kind === "tool") {
      block.closed = true;
      // Arguments never sent are empty (`{}`) or not an object (kept under `input`).
      if (block.sentLength === 0) out.push({ type: "content_block_delta", index: this.#index, delta: { type: "input_json_delta", partial_json: JSON.stringify(toolInput(block.args)) } });
    }
    out.push({ type: "content_block_stop", index: this.#index });
    this.#open = undefined;
    this.#index += 1;
  }

  #start(out: StreamEvent[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push({
      type: "message_start",
      message: {
        id: this.#messageId,
        type: "message",
        role: "assistant",
        model: this.#context.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // The estimate made before the upstream answered; chat upstreams report their own count
        // only at the end, and message_delta carries it (Anthropic's usage there is cumulative).
        usage: toMessagesUsage(undefined, this.#context.inputTokens),
      },
    });
  }
}

/**
 * Follows a tool call's argument text as it arrives, to tell when it holds a whole JSON object:
 * "pending" until the first non-blank character, "foreign" when that is not `{`, "object"
 * while the object is open, "complete" once it has closed.
 */
class ArgumentsShape {
  state: "pending" | "foreign" | "object" | "complete" = "pending";
  #depth = 0;
  #inString = false;
  #escaped = false;

  read(fragment: string): void {
    for (const char of fragment) {
      if (this.state === "complete" || this.state === "foreign") return;
      if (this.state === "pending") {
        if (/\s/.test(char)) continue;
        this.state = char === "{" ? "object" : "foreign";
        if (this.state === "foreign") return;
      }
      this.#step(char);
    }
  }

  #step(char: string): void {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (char === "\\") this.#escaped = true;
      else if (char === '"') this.#inString = false;
      return;
    }
    if (char === '"') this.#inString = true;
    else if (char === "{" || char === "[") this.#depth += 1;
    else if (char === "}" || char === "]") {
      this.#depth -= 1;
      if (this.#depth === 0) this.state = "complete";
    }
  }
}

/** The Messages events of a canonical chunk stream, ending with message_stop when it ends cleanly. */
export async function* messageEvents(chunks: AsyncIterable<ChatCompletionChunk>, context: AnswerContext): AsyncGenerator<StreamEvent> {
  const machine = new MessageEvents(context);
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
