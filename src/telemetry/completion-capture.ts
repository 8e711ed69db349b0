// Reads the completion text out of a result as it is written, for `logging.bodies: true`
// only: the result is wrapped, never buffered, and the text is handed over when the body ends.
import { RelayedStream } from "../providers/relayed-stream.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatResult, PassthroughResult } from "../providers/types.ts";

/** Relayed stream bytes kept for the log, at most; the rest of a huge stream is not logged. */
const MAX_CAPTURE_BYTES = 256 * 1024;

export function captureCompletion(result: ChatResult, done: (text: string) => void): ChatResult {
  if (result.kind === "completion") {
    done(completionText(result.completion));
    return result;
  }
  if (result.kind === "stream") return { ...result, chunks: chunkText(result.chunks, done) };
  return captureRelayed(result, (body, streamed) => (streamed ? sseContent(body) : jsonText(body)), done);
}

/**
 * The text of relayed bytes, read by `textOf` from the body as a whole (a JSON answer) or from
 * what was kept of a stream (`streamed`) once it ends; the bytes themselves pass untouched.
 */
export function captureRelayed(result: PassthroughResult, textOf: (body: string, streamed: boolean) => string, done: (text: string) => void): PassthroughResult {
  if (Array.isArray(result.body)) {
    done(textOf(Buffer.concat(result.body as readonly Uint8Array[]).toString("utf8"), false));
    return result;
  }
  const body = result.body as AsyncIterable<Uint8Array>;
  const finish = (text: string) => done(textOf(text, true));
  if (body instanceof RelayedStream) return { ...result, body: body.through(sseKeeper(finish)) };
  return { ...result, body: sseText(body, finish) };
}

/** Every choice's content, choices separated by a blank line. */
export function completionText(completion: Pick<ChatCompletion, "choices">): string {
  return completion.choices.map((c) => c.message.content ?? "").join("\n\n");
}

async function* chunkText(source: AsyncIterable<ChatCompletionChunk>, done: (text: string) => void): AsyncGenerator<ChatCompletionChunk> {
  let text = "";
  try {
    for await (const chunk of source) {
      for (const choice of chunk.choices) if (choice.delta.content) text += choice.delta.content;
      yield chunk;
    }
  } finally {
    done(text);
  }
}

async function* sseText(source: AsyncIterable<Uint8Array>, done: (body: string) => void): AsyncGenerator<Uint8Array> {
  const keeper = sseKeeper(done);
  try {
    for await (const chunk of source) yield keeper.chunk(chunk);
  } finally {
    keeper.end();
  }
}

/** Keeps the first MAX_CAPTURE_BYTES of relayed bytes and hands them over as text at the end. */
function sseKeeper(done: (body: string) => void): { chunk(bytes: Uint8Array): Uint8Array; end(): undefined } {
  const kept: Uint8Array[] = [];
  let size = 0;
  return {
    chunk(bytes) {
      if (size < MAX_CAPTURE_BYTES) {
        kept.push(bytes);
        size += bytes.byteLength;
      }
      return bytes;
    },
    end() {
      done(Buffer.concat(kept).toString("utf8"));
      return undefined;
    },
  };
}

/** A chunk as an upstream may actually send it: every field may be missing. */
interface LooseChunk {
  choices?: { delta?: { content?: string | null } }[];
}

/** The delta content of an OpenAI SSE body's `data:` events. */
export function sseContent(body: string): string {
  let text = "";
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") continue;
    try {
      const chunk = JSON.parse(data) as LooseChunk;
      for (const choice of chunk.choices ?? []) if (choice.delta?.content) text += choice.delta.content;
    } catch {
      // a cut-off event at the capture limit: what came before is still worth logging
    }
  }
  return text;
}

function jsonText(body: string): string {
  try {
    const parsed = JSON.parse(body) as Partial<ChatCompletion>;
    return Array.isArray(parsed.choices) ? completionText({ choices: parsed.choices }) : "";
  } catch {
    return "";
  }
}
