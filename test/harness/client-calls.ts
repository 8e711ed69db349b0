// What the end-to-end tests do with the OpenAI client's answers: read a stream to its text,
// drain it, leave it part-way, or capture the APIError a call fails with.
import { APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

type Chunks = AsyncIterable<ChatCompletionChunk>;

/** The APIError the call rejects with; succeeding or any other error is a failure. */
export async function apiError(pending: Promise<unknown>): Promise<APIError> {
  const error = await pending.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  if (error instanceof APIError) return error;
  throw error;
}

/**
 * The first choice's text, concatenated. `got` holds what arrived so far, so a test can still
 * check it when the stream fails part-way.
 */
export async function streamText(stream: Chunks, got: { text: string } = { text: "" }): Promise<string> {
  for await (const chunk of stream) got.text += chunk.choices[0]?.delta.content ?? "";
  return got.text;
}

/** Reads the stream to its end, ignoring what it carries. */
export async function drain(stream: Chunks): Promise<void> {
  for await (const _chunk of stream) {
    // drain
  }
}

/**
 * Aborts `controller` once `limit` chunks have arrived (only those `counts` accepts), as a
 * client that goes away would, and returns how many were counted. The SDK may end or throw on
 * abort; either way the client is gone, so the end is not reported.
 */
export async function abortAfter(
  stream: Chunks,
  controller: AbortController,
  limit: number,
  counts: (chunk: ChatCompletionChunk) => boolean = () => true,
): Promise<number> {
  let seen = 0;
  try {
    for await (const chunk of stream) {
      if (counts(chunk)) seen += 1;
      if (seen === limit) controller.abort();
    }
  } catch {
    // see above
  }
  return seen;
}
