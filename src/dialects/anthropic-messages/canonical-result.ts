// A translated-lane result in canonical objects: chat upstreams that relay their own OpenAI
// bytes (the passthrough kind) are read back into a completion or a chunk stream here, the
// canonical wire being OpenAI's own.
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatResult } from "../../providers/types.ts";

export type CanonicalResult = { kind: "completion"; completion: ChatCompletion } | { kind: "stream"; chunks: AsyncIterable<ChatCompletionChunk> };

export function canonical(result: ChatResult): CanonicalResult {
  if (result.kind !== "passthrough") return result;
  const { body } = result;
  if (Array.isArray(body)) {
    const text = Buffer.concat(body as readonly Uint8Array[]).toString("utf8");
    return { kind: "completion", completion: JSON.parse(text) as ChatCompletion };
  }
  return { kind: "stream", chunks: sseChunks(body as AsyncIterable<Uint8Array>) };
}

async function* sseChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<ChatCompletionChunk> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const bytes of source) {
    carry += decoder.decode(bytes, { stream: true });
    let end = carry.indexOf("\n");
    while (end >= 0) {
      const line = carry.slice(0, end).trimEnd();
      carry = carry.slice(end + 1);
      const chunk = chunkOf(line);
      if (chunk) yield chunk;
      end = carry.indexOf("\n");
    }
  }
  const last = chunkOf(carry.trim());
  if (last) yield last;
}

function chunkOf(line: string): ChatCompletionChunk | undefined {
  if (!line.startsWith("data:")) return undefined;
  const data = line.slice(5).trim();
  if (data === "" || data === "[DONE]") return undefined;
  const parsed = JSON.parse(data) as ChatCompletionChunk & { error?: { message?: unknown; type?: unknown } };
  if (parsed.error !== undefined) {
    // An upstream that fails mid-stream sends its error as a data line.
    const message = typeof parsed.error.message === "string" ? parsed.error.message : "upstream stream failed";
    throw new GatewayError(502, "api_error", message);
  }
  return parsed;
}
