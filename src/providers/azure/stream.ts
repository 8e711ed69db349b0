// Azure's chunk stream as the writer expects it. Azure streams the OpenAI wire with extra
// annotation frames: the prompt filter results before the first token (`choices: []`, empty
// id/object/model) and, with asynchronous filtering, filter annotations. The choice-less ones
// carry nothing an OpenAI client reads and break clients that index `choices[0]`, so they are
// dropped; the usage chunk (`choices: []` with `usage`) is kept for the writer.
import type { ChatCompletionChunk } from "../types.ts";
import { UpstreamError } from "../errors.ts";
import { toUpstreamError } from "./errors.ts";

export async function* azureChunks(
  source: AsyncIterable<ChatCompletionChunk>,
  provider: string,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const started = new Set<number>();
  const finished = new Set<number>();
  try {
    for await (const chunk of source) {
      const choices: unknown = chunk.choices;
      if (!Array.isArray(choices) || choices.length === 0) {
        if (chunk.usage) yield chunk;
        continue;
      }
      for (const choice of chunk.choices) {
        started.add(choice.index);
        if (choice.finish_reason) finished.add(choice.index);
      }
      yield chunk;
    }
    // The SDK ends iteration quietly when its request is aborted, and when the body ends without
    // `[DONE]`: neither is a finished stream.
    if (signal.aborted) throw signal.reason;
    const unfinished = [...started].filter((index) => !finished.has(index));
    if (started.size === 0 || unfinished.length > 0) {
      throw new UpstreamError({
        provider,
        status: 502,
        failure: "stream",
        message: `${provider}: stream ended before ${started.size === 0 ? "any choice" : `a finish_reason for choice ${unfinished.join(", ")}`}`,
      });
    }
  } catch (error) {
    throw toUpstreamError(provider, error, signal, "stream");
  }
}
