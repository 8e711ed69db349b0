// A chat result as canonical objects, whatever lane produced it: an OpenAI-compatible upstream's
// relayed bytes (a chat.completion body, or chat.completion.chunk SSE events) are parsed, for
// front doors that translate the answer into their own API instead of relaying it.
import { UpstreamError } from "./errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatResult, MatchedStopField } from "./types.ts";

export type CanonicalChat = { kind: "completion"; completion: ChatCompletion } | { kind: "stream"; chunks: AsyncIterable<ChatCompletionChunk> };

export function canonicalChat(result: ChatResult, provider: string): CanonicalChat {
  if (result.kind !== "passthrough") return result;
  if (Array.isArray(result.body)) {
    const text = Buffer.concat(result.body as readonly Uint8Array[]).toString("utf8");
    return { kind: "completion", completion: parseJson(text, provider) as ChatCompletion };
  }
  return { kind: "stream", chunks: sseChunks(result.body as AsyncIterable<Uint8Array>, provider) };
}

/** The stop string that ended a choice, where the upstream says which one matched (vLLM's `stop_reason`). */
export function matchedStop(choice: ChatCompletion.Choice | ChatCompletionChunk.Choice): string | undefined {
  const { stop_reason: matched } = choice as MatchedStopField;
  return typeof matched === "string" ? matched : undefined;
}

async function* sseChunks(body: AsyncIterable<Uint8Array>, provider: string): AsyncGenerator<ChatCompletionChunk> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const bytes of body) {
    carry += decoder.decode(bytes, { stream: true });
    let end = eventEnd(carry);
    while (end !== undefined) {
      const event = carry.slice(0, end.at);
      carry = carry.slice(end.at + end.length);
      const data = dataOf(event);
      if (data === "[DONE]") return;
      if (data !== undefined) yield chunkOf(data, provider);
      end = eventEnd(carry);
    }
  }
  const data = dataOf(carry + decoder.decode());
  if (data !== undefined && data !== "[DONE]") yield chunkOf(data, provider);
}

function eventEnd(text: string): { at: number; length: number } | undefined {
  const lf = text.indexOf("\n\n");
  const crlf = text.indexOf("\r\n\r\n");
  if (lf === -1 && crlf === -1) return undefined;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

function dataOf(event: string): string | undefined {
  const lines = event.split(/\r?\n/).filter((line) => line.startsWith("data:"));
  if (lines.length === 0) return undefined;
  return lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n").trim();
}

function chunkOf(data: string, provider: string): ChatCompletionChunk {
  const value = parseJson(data, provider) as ChatCompletionChunk & { error?: { message?: string } };
  if (value.error !== undefined) {
    throw new UpstreamError({ provider, status: 502, failure: "stream", message: `upstream stream failed: ${value.error.message ?? "unknown error"}` });
  }
  return value;
}

function parseJson(text: string, provider: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new UpstreamError({ provider, status: 502, failure: "malformed", message: "upstream answer is not valid JSON", cause });
  }
}
