// What the adapter tests share: building CallOptions and requests, unwrapping a ChatResult,
// reading a stream in the ways the tests need, and capturing the error a call rejects with.
import { UpstreamError } from "../../src/providers/errors.ts";
import type { CallOptions, ChatCompletion, ChatCompletionChunk, ChatRequest, ChatResult } from "../../src/providers/types.ts";

const PUBLIC_IMAGES = { allow_private_hosts: false, max_bytes: 1_000_000, timeout_ms: 1_000 };

type CallDefaults = Pick<CallOptions, "requestId" | "publicModel"> & Partial<CallOptions>;

/** A CallOptions builder with one test file's defaults; each call gets a fresh signal. */
export function callOptionsWith(defaults: CallDefaults): (overrides?: Partial<CallOptions>) => CallOptions {
  return (overrides = {}) => ({
    signal: new AbortController().signal,
    defaultMaxTokens: undefined,
    images: PUBLIC_IMAGES,
    ...defaults,
    ...overrides,
  });
}

/** A one-user-message request builder; `extra` fields override or add to it. */
export function requestWith(model: string, content: string): (extra?: Record<string, unknown>) => ChatRequest {
  return (extra = {}) => ({ model, messages: [{ role: "user", content }], ...extra });
}

export function completionOf(result: ChatResult): ChatCompletion {
  if (result.kind !== "completion") throw new Error(`expected a completion, got ${result.kind}`);
  return result.completion;
}

export function chunksOf(result: ChatResult): AsyncIterable<ChatCompletionChunk> {
  if (result.kind !== "stream") throw new Error(`expected a stream, got ${result.kind}`);
  return result.chunks;
}

/** Reads the whole stream; the upstream's failure, if any, rejects. */
export async function collect(result: ChatResult): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  await drainInto(result, out);
  return out;
}

/** Reads the stream into `received`, so a test still sees what arrived before a failure. */
export async function drainInto(result: ChatResult, received: ChatCompletionChunk[]): Promise<void> {
  for await (const chunk of chunksOf(result)) received.push(chunk);
}

/** Aborts `controller` once `contentChunks` chunks with text have arrived, and reads on. */
export async function abortAfterContent(result: ChatResult, controller: AbortController, contentChunks: number): Promise<void> {
  let seen = 0;
  for await (const chunk of chunksOf(result)) {
    if (chunk.choices[0]?.delta.content && ++seen === contentChunks) controller.abort();
  }
}

/** Stops reading at the first chunk with text, as a client that goes away would. */
export async function stopAtFirstContent(result: ChatResult): Promise<void> {
  for await (const chunk of chunksOf(result)) {
    if (chunk.choices[0]?.delta.content) break;
  }
}

/** Whatever the promise rejects with; resolving is a failure. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** The UpstreamError the promise rejects with; resolving or any other error is a failure. */
export async function upstreamRejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await rejectionOf(promise);
  if (error instanceof UpstreamError) return error;
  throw error;
}

/** Polls a condition every 10 ms, giving up after about two seconds. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The get_weather tool most adapter tests send. */
export const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

/** Closes each in turn: the adapter before the fake it holds connections to. */
export async function closeInOrder(...closables: { close(): Promise<void> }[]): Promise<void> {
  for (const closable of closables) await closable.close();
}
