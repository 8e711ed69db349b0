// A stored Response replayed as its event stream (`GET /v1/responses/{id}?stream=true`): its
// output items go back through the same builder a live stream uses, as the chunks that would
// have produced them, so the events, their order and their numbering follow the same rules, and
// the items keep their stored ids. `starting_after` resumes after a sequence number.
import type { ChatCompletionChunk } from "../../providers/types.ts";
import { ResponseBuilder, type StreamEvent } from "./builder.ts";
import { newId } from "./ids.ts";
import { qualifiedName, type NamespacedName } from "./to-chat.ts";
import type { OutputItem, ResponseObject, ResponseUsage } from "./wire.ts";

export function replayEvents(stored: ResponseObject, startingAfter = -1): StreamEvent[] {
  const ids = stored.output.map((item) => item.id);
  const opening: ResponseObject = { ...structuredClone(stored), status: "in_progress", output: [], usage: null, completed_at: null, error: null, incomplete_details: null };
  // Namespaced calls go through the builder under their chat names, and come out as they were stored.
  const namespaced = new Map<string, NamespacedName>();
  for (const item of stored.output) if (item.type === "function_call" && item.namespace !== undefined) namespaced.set(qualifiedName({ namespace: item.namespace, name: item.name }), { namespace: item.namespace, name: item.name });
  const builder = new ResponseBuilder(opening, { ids: (prefix) => ids.shift() ?? newId(prefix), namespaced });
  const events = builder.start();
  stored.output.forEach((item, index) => events.push(...builder.push(chunkOf(stored, deltaOf(item, index)))));
  events.push(...builder.push(chunkOf(stored, {}, finishOf(stored), stored.usage)));
  events.push(...builder.finish((stored.completed_at ?? Math.floor(Date.now() / 1000)) * 1000));
  return events.filter((event) => event.sequence_number > startingAfter);
}

/** The chunk delta that opens `item` in the builder (each tool call under its own index). */
function deltaOf(item: OutputItem, index: number): Record<string, unknown> {
  if (item.type === "reasoning") return { reasoning_content: item.summary.map((part) => part.text).join("") };
  if (item.type === "function_call") {
    const name = item.namespace === undefined ? item.name : qualifiedName({ namespace: item.namespace, name: item.name });
    return { tool_calls: [{ index, id: item.call_id, type: "function", function: { name, arguments: item.arguments } }] };
  }
  const delta: Record<string, string> = {};
  for (const part of item.content) {
    if (part.type === "output_text") delta["content"] = (delta["content"] ?? "") + part.text;
    else delta["refusal"] = (delta["refusal"] ?? "") + part.refusal;
  }
  return delta;
}

function finishOf(stored: ResponseObject): ChatCompletionChunk.Choice["finish_reason"] {
  if (stored.status !== "incomplete") return stored.output.some((item) => item.type === "function_call") ? "tool_calls" : "stop";
  return stored.incomplete_details?.reason === "content_filter" ? "content_filter" : "length";
}

function chunkOf(stored: ResponseObject, delta: Record<string, unknown>, finish: ChatCompletionChunk.Choice["finish_reason"] = null, usage?: ResponseUsage | null): ChatCompletionChunk {
  return {
    id: stored.id,
    object: "chat.completion.chunk",
    created: stored.created_at,
    model: stored.model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...(usage
      ? {
          usage: {
            prompt_tokens: usage.input_tokens,
            completion_tokens: usage.output_tokens,
            total_tokens: usage.total_tokens,
            prompt_tokens_details: { cached_tokens: usage.input_tokens_details.cached_tokens, cache_write_tokens: usage.input_tokens_details.cache_write_tokens },
            completion_tokens_details: { reasoning_tokens: usage.output_tokens_details.reasoning_tokens },
          },
        }
      : {}),
  };
}
