// A stream rebuilt from a stored completion, in the shape a strict client expects: per choice a
// role chunk, content (and reasoning, refusal) deltas in pieces, tool calls (index, id and name
// first, then argument deltas), a finish chunk; then one usage chunk with `choices: []`, which
// the writer sends only to clients that asked for it (`stream_options.include_usage`).
import { matchedStop } from "../../providers/canonical-chat.ts";
import type { ChatCompletion, ChatCompletionChunk } from "../../providers/types.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"] & { reasoning_content?: string };

/** Text is sent in pieces of about this many characters, as a live stream would arrive. */
const PIECE = 64;

export function replayChunks(completion: ChatCompletion, id: string): ChatCompletionChunk[] {
  const chunk = (index: number, delta: Delta, finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint ? { system_fingerprint: completion.system_fingerprint } : {}),
    choices: [{ index, delta, logprobs: null, finish_reason: finish }],
  });
  const out: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { index } = choice;
    const message = choice.message as typeof choice.message & { reasoning_content?: string };
    out.push(chunk(index, { role: "assistant", content: "" }));
    for (const piece of pieces(message.reasoning_content)) out.push(chunk(index, { reasoning_content: piece }));
    for (const piece of pieces(message.content)) out.push(chunk(index, { content: piece }));
    for (const piece of pieces(message.refusal)) out.push(chunk(index, { refusal: piece }));
    (message.tool_calls ?? []).forEach((call, at) => {
      if (call.type !== "function") return;
      out.push(chunk(index, { tool_calls: [{ index: at, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
      for (const piece of pieces(call.function.arguments)) out.push(chunk(index, { tool_calls: [{ index: at, function: { arguments: piece } }] }));
    });
    const last = chunk(index, {}, choice.finish_reason);
    // The matched stop string travels on the finish chunk, where the upstream sent it.
    const matched = matchedStop(choice);
    if (matched !== undefined) Object.assign(last.choices[0] ?? {}, { stop_reason: matched });
    out.push(last);
  }
  if (completion.usage) {
    const { choices: _none, ...head } = chunk(0, {});
    out.push({ ...head, choices: [], usage: completion.usage });
  }
  return out;
}

/** Splits text into pieces without breaking a surrogate pair. */
function pieces(text: string | null | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + PIECE);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}
