// Anthropic stream events → OpenAI chat.completion.chunks. A pure state machine: feed each
// event to `push`, then call `finish` when the upstream ends.
//
// Order out: role chunk, content / tool-call deltas, the finish_reason chunk, then one usage
// chunk (`choices: []`). Input tokens come from message_start, output tokens from the last
// message_delta (both are running totals, so they replace, never add).
import type { RawMessageStreamEvent, StopReason } from "@anthropic-ai/sdk/resources/messages";
import type { ChatCompletionChunk } from "../types.ts";
import { UpstreamError } from "../errors.ts";
import { finishChunk, roleChunk, textChunk, toolCallArgumentsChunk, toolCallStartChunk, usageChunk } from "../openai-shapes.ts";
import { finishReason, toUsage, type ResponseContext } from "./response.ts";

export interface StreamContext extends ResponseContext {
  /** Provider id, for the errors this throws. */
  provider: string;
}

/** The `event: error` frame, as its JSON arrives when events are fed raw. */
export interface StreamErrorEvent {
  type: "error";
  error: { type?: string; message?: string };
}

type Block = { kind: "text" } | { kind: "tool"; index: number } | { kind: "json" } | { kind: "ignored" };

export class AnthropicStreamTranslator {
  private readonly ctx: StreamContext;
  private readonly blocks = new Map<number, Block>();
  private started = false;
  private done = false;
  private toolCalls = 0;
  private stopReason: StopReason | null = null;
  private usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number | null; cache_read_input_tokens: number | null } | undefined;

  constructor(ctx: StreamContext) {
    this.ctx = ctx;
  }

  push(event: RawMessageStreamEvent | StreamErrorEvent | { type: string }): ChatCompletionChunk[] {
    const out: ChatCompletionChunk[] = [];
    if (!this.started && event.type !== "error" && event.type !== "ping") {
      this.started = true;
      out.push(roleChunk(this.ctx));
    }
    const known = event as RawMessageStreamEvent | StreamErrorEvent;
    switch (known.type) {
      case "message_start": {
        const u = known.message.usage;
        this.usage = {
          input_tokens: u.input_tokens,
          output_tokens: u.output_tokens,
          cache_creation_input_tokens: u.cache_creation_input_tokens,
          cache_read_input_tokens: u.cache_read_input_tokens,
        };
        break;
      }
      case "content_block_start": {
        const block = known.content_block;
        if (block.type === "text") {
          this.blocks.set(known.index, { kind: "text" });
          if (block.text !== "") out.push(textChunk(this.ctx, block.text));
        } else if (block.type === "tool_use" && block.name === this.ctx.jsonTool) {
          this.blocks.set(known.index, { kind: "json" });
        } else if (block.type === "tool_use") {
          const index = this.toolCalls++;
          this.blocks.set(known.index, { kind: "tool", index });
          out.push(toolCallStartChunk(this.ctx, index, block.id, block.name));
        } else {
          this.blocks.set(known.index, { kind: "ignored" }); // thinking, server tools: not part of a chat completion
        }
        break;
      }
      case "content_block_delta": {
        const block = this.blocks.get(known.index);
        const delta = known.delta;
        if (delta.type === "text_delta" && block?.kind === "text" && delta.text !== "") {
          out.push(textChunk(this.ctx, delta.text));
        } else if (delta.type === "input_json_delta" && delta.partial_json !== "") {
          if (block?.kind === "tool") out.push(toolCallArgumentsChunk(this.ctx, block.index, delta.partial_json));
          else if (block?.kind === "json") out.push(textChunk(this.ctx, delta.partial_json));
        }
        break;
      }
      case "message_delta": {
        this.stopReason = known.delta.stop_reason ?? this.stopReason;
        const u = known.usage;
        if (this.usage) {
          this.usage.output_tokens = u.output_tokens;
          if (u.input_tokens != null) this.usage.input_tokens = u.input_tokens;
          if (u.cache_creation_input_tokens != null) this.usage.cache_creation_input_tokens = u.cache_creation_input_tokens;
          if (u.cache_read_input_tokens != null) this.usage.cache_read_input_tokens = u.cache_read_input_tokens;
        } else {
          this.usage = { input_tokens: u.input_tokens ?? 0, output_tokens: u.output_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, cache_read_input_tokens: u.cache_read_input_tokens };
        }
        break;
      }
      case "message_stop": {
        this.done = true;
        const reason = finishReason(this.stopReason, this.toolCalls > 0, this.ctx.jsonTool !== undefined);
        out.push(finishChunk(this.ctx, reason));
        if (this.usage) out.push(usageChunk(this.ctx, toUsage(this.usage)));
        break;
      }
      case "error":
        throw streamError(this.ctx.provider, known.error.message ?? "upstream stream error", known.error.type);
      default:
        break; // content_block_stop, ping, and event types added later
    }
    return out;
  }

  /** The upstream ended. A stream that never reached message_stop was cut short: that is an error. */
  finish(): ChatCompletionChunk[] {
    if (!this.done) throw streamError(this.ctx.provider, "upstream stream ended before message_stop");
    return [];
  }
}

export function streamError(provider: string, message: string, type?: string): UpstreamError {
  return new UpstreamError({
    provider,
    status: 502,
    failure: "stream",
    message: `${provider}: ${message}`,
    body: { message, type: type ?? "stream_error" },
  });
}
