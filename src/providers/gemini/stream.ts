// Gemini streamGenerateContent events → OpenAI chat.completion.chunks. A small state machine:
// `push` translates one event as it arrives, `finish` closes the stream once the upstream ended.
//
// Per choice: a first chunk with the role, then text deltas and tool-call deltas in the order the
// parts came (Gemini sends a function call whole: one delta with index, id and name, then one with
// its arguments), then, at the end, the chunk with finish_reason. Gemini's usageMetadata is a
// running total repeated on every event, so only the last one is reported, in a final
// `choices: []` chunk.
import type { ChatCompletionChunk } from "../types.ts";
import { finishChunk, roleChunk, textChunk, toolCallArgumentsChunk, toolCallStartChunk, usageChunk, type ChunkSlot } from "../openai-shapes.ts";
import { isPromptBlocked, toFinishReason } from "./finish-reason.ts";
import type { GeminiCandidate, GeminiResponse, GeminiResponseMeta, GeminiUsage } from "./native.ts";
import { toolCallId } from "./tool-call-id.ts";
import { toUsage } from "./usage.ts";

export interface StreamTranslator {
  push(event: GeminiResponse): ChatCompletionChunk[];
  /**
   * The closing chunks. `complete` is false when the upstream ended without finishing every
   * choice (nor blocking the prompt): a truncated stream, which the caller must report as a failure.
   */
  finish(): { chunks: ChatCompletionChunk[]; complete: boolean };
}

interface ChoiceState {
  toolCalls: number;
  finishReason: string | undefined;
}

const PROMPT_BLOCKED = "PROMPT_BLOCKED";

// This adapter's chunks have always left the optional `logprobs` out; kept so clients see no change.
const slot = (index: number): ChunkSlot => ({ index });

export function createStreamTranslator(meta: GeminiResponseMeta): StreamTranslator {
  const choices = new Map<number, ChoiceState>();
  let usage: GeminiUsage | undefined;
  let blocked = false;

  const start = (index: number, out: ChatCompletionChunk[]): ChoiceState => {
    let state = choices.get(index);
    if (!state) {
      state = { toolCalls: 0, finishReason: undefined };
      choices.set(index, state);
      out.push(roleChunk(meta, slot(index)));
    }
    return state;
  };

  const candidate = (c: GeminiCandidate, position: number, out: ChatCompletionChunk[]) => {
    const index = c.index ?? position;
    const state = start(index, out);
    let text = "";
    const flush = () => {
      if (text !== "") out.push(textChunk(meta, text, slot(index)));
      text = "";
    };
    for (const part of c.content?.parts ?? []) {
      if (part.functionCall) {
        flush();
        if (meta.singleToolCall && state.toolCalls > 0) continue;
        const n = state.toolCalls++;
        const id = toolCallId(meta.id, index, n, part.thoughtSignature);
        const name = part.functionCall.name ?? "";
        out.push(toolCallStartChunk(meta, n, id, name, slot(index)));
        out.push(toolCallArgumentsChunk(meta, n, JSON.stringify(part.functionCall.args ?? {}), slot(index)));
      } else if (part.text !== undefined && part.thought !== true) {
        text += part.text;
      }
    }
    flush();
    if (c.finishReason !== undefined) state.finishReason = c.finishReason;
  };

  return {
    push(event) {
      const out: ChatCompletionChunk[] = [];
      if (event.usageMetadata) usage = event.usageMetadata;
      if (isPromptBlocked(event.promptFeedback)) blocked = true;
      (event.candidates ?? []).forEach((c, position) => candidate(c, position, out));
      return out;
    },
    finish() {
      const out: ChatCompletionChunk[] = [];
      // A blocked prompt ends every choice (Gemini usually sends no candidate at all then).
      if (blocked) {
        if (choices.size === 0) start(0, out);
        for (const state of choices.values()) state.finishReason ??= PROMPT_BLOCKED;
      }
      const states = [...choices.entries()].sort(([a], [b]) => a - b);
      const complete = states.length > 0 && states.every(([, s]) => s.finishReason !== undefined);
      if (!complete) return { chunks: [], complete: false };
      for (const [index, state] of states) {
        const reason =
          state.finishReason === PROMPT_BLOCKED ? "content_filter" : toFinishReason(state.finishReason, state.toolCalls > 0);
        out.push(finishChunk(meta, reason, slot(index)));
      }
      if (usage) out.push(usageChunk(meta, toUsage(usage)));
      return { chunks: out, complete: true };
    },
  };
}
