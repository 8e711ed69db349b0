// Reads the passthrough lane's SSE bytes on the side as they are relayed: each complete event's
// data is parsed into a chunk for the aggregator, `[DONE]` marks a clean end, and an error
// event marks the stream as failed. The bytes themselves go to the client untouched.
import type { ChatCompletionChunk } from "../../providers/types.ts";

export interface SseWatch {
  /** Feeds relayed bytes; calls `onChunk` for every complete chunk event. */
  push(bytes: Uint8Array): void;
  /** `[DONE]` arrived and no error event came before it. */
  readonly done: boolean;
  readonly failed: boolean;
}

export function watchSse(onChunk: (chunk: ChatCompletionChunk) => void): SseWatch {
  const decoder = new TextDecoder();
  let carry = "";
  let done = false;
  let failed = false;

  const event = (text: string) => {
    let data = "";
    for (const line of text.split(/\r?\n/)) if (line.startsWith("data:")) data += line.slice(line.charAt(5) === " " ? 6 : 5);
    if (data === "") return;
    if (data === "[DONE]") {
      done = !failed;
      return;
    }
    try {
      const parsed = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
      if (parsed.error !== undefined || !Array.isArray(parsed.choices)) failed = true;
      else onChunk(parsed);
    } catch {
      failed = true;
    }
  };

  return {
    push(bytes) {
      carry += decoder.decode(bytes, { stream: true });
      for (let end = boundary(carry); end.at >= 0; end = boundary(carry)) {
        event(carry.slice(0, end.at));
        carry = carry.slice(end.at + end.length);
      }
    },
    get done() {
      return done;
    },
    get failed() {
      return failed;
    },
  };
}

function boundary(text: string): { at: number; length: number } {
  const lf = text.indexOf("\n\n");
  const crlf = text.indexOf("\r\n\r\n");
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}
