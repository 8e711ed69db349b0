// Embeddings on the OpenAI hot path: the client's body goes out with only `model` changed (the
// encoding it asked for included, so base64 stays base64 end to end), over the adapter's pool.
import type { Dispatcher } from "undici";
import { readOpenAIEmbeddings } from "../openai-embeddings-bytes.ts";
import { transportError } from "../transport-error.ts";
import { answerText, callUpstream, type UpstreamAnswer } from "../upstream-call.ts";
import type { CallOptions, EmbeddingsRequest, EmbeddingsResult } from "../types.ts";
import { httpError } from "./errors.ts";

export interface EmbedEndpoint {
  readonly provider: string;
  readonly url: URL;
  readonly dispatcher: Dispatcher;
  readonly headers: Readonly<Record<string, string>>;
}

/** The upstream body: the client's, unknown fields kept, with the target's model. */
export function toOpenAIEmbeddingsBody(req: EmbeddingsRequest, model: string): string {
  return JSON.stringify({ ...req, model });
}

export async function embedOpenAI(endpoint: EmbedEndpoint, req: EmbeddingsRequest, model: string, call: CallOptions): Promise<EmbeddingsResult> {
  const { provider } = endpoint;
  let res: UpstreamAnswer;
  try {
    res = await callUpstream(endpoint.dispatcher, endpoint.url, {
      method: "POST",
      headers: { ...endpoint.headers, "x-request-id": call.requestId },
      body: toOpenAIEmbeddingsBody(req, model),
      signal: call.signal,
    });
  } catch (error) {
    throw transportError(provider, error, call.signal);
  }
  if (res.status >= 400) throw httpError(provider, res.status, res.headers, answerText(res));
  // Bytes, not text: the vectors are cut out of them (readOpenAIEmbeddings).
  return readOpenAIEmbeddings(res.body, provider);
}
