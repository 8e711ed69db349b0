// Reads a chat completion stream over plain HTTP and checks it the way a strict client would:
// every event is a `chat.completion.chunk` with one id and model, each choice opens with the
// assistant role, tool calls start with index, id, type and name before argument deltas, each
// choice finishes exactly once, a usage chunk (`choices: []`) comes last and only when asked,
// and the stream ends with `[DONE]`.
import { expect } from "vitest";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

export interface StreamRead {
  readonly status: number;
  readonly headers: Headers;
  readonly chunks: ChatCompletionChunk[];
}

export async function readSse(url: string, apiKey: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<StreamRead> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, ...headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await res.text();
  const events = text.split("\n\n").filter((event) => event.trim() !== "");
  expect(events.at(-1)).toBe("data: [DONE]");
  const chunks = events.slice(0, -1).map((event) => {
    expect(event.startsWith("data: ")).toBe(true);
    return JSON.parse(event.slice(6)) as ChatCompletionChunk;
  });
  return { status: res.status, headers: res.headers, chunks };
}

/** Checks the chunk sequence; `includeUsage` is whether the client asked for the usage chunk. */
export function expectValidChunks(chunks: readonly ChatCompletionChunk[], includeUsage: boolean): void {
  expect(chunks.length).toBeGreaterThan(0);
  const first = chunks[0] as ChatCompletionChunk;
  const opened = new Set<number>();
  const finished = new Set<number>();
  const toolStarted = new Map<string, boolean>();
  chunks.forEach((chunk, at) => {
    expect(chunk.object).toBe("chat.completion.chunk");
    expect(chunk.id).toBe(first.id);
    expect(chunk.id).toMatch(/^chatcmpl-/);
    expect(chunk.model).toBe(first.model);
    expect(typeof chunk.created).toBe("number");
    if (chunk.choices.length === 0) {
      expect(includeUsage, "a usage chunk the client did not ask for").toBe(true);
      expect(at).toBe(chunks.length - 1);
      expect(chunk.usage?.total_tokens).toBeGreaterThan(0);
      return;
    }
    for (const choice of chunk.choices) {
      expect(finished.has(choice.index), "a delta after the finish chunk").toBe(false);
      if (!opened.has(choice.index)) {
        expect(choice.delta.role).toBe("assistant");
        opened.add(choice.index);
      }
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = `${choice.index}:${call.index}`;
        if (!toolStarted.has(slot)) {
          expect(call.id).toBeTruthy();
          expect(call.type).toBe("function");
          expect(call.function?.name).toBeTruthy();
          toolStarted.set(slot, true);
        } else {
          expect(call.id).toBeUndefined();
        }
      }
      if (choice.finish_reason !== null) finished.add(choice.index);
    }
  });
  expect([...finished].sort()).toEqual([...opened].sort());
  if (includeUsage) expect(chunks.at(-1)?.choices).toEqual([]);
}

/** The first choice's text and tool calls, put back together. */
export function foldChunks(chunks: readonly ChatCompletionChunk[]): { text: string; tools: { id: string; name: string; arguments: string }[]; finish: string | null } {
  let text = "";
  let finish: string | null = null;
  const tools: { id: string; name: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? "";
    for (const call of choice.delta.tool_calls ?? []) {
      const slot = (tools[call.index] ??= { id: "", name: "", arguments: "" });
      slot.id ||= call.id ?? "";
      slot.name += call.function?.name ?? "";
      slot.arguments += call.function?.arguments ?? "";
    }
    finish = choice.finish_reason ?? finish;
  }
  return { text, tools, finish };
}
