// Embeddings on the OpenAI hot path: the client's body goes out with only `model` changed (the
// encoding it asked for included, so base64 stays base64 end to end), over the adapter's pool.
import { request, type Dispatcher } from "undici";
import { readOpenAIEmbeddings } from "../openai-embeddings-bytes.ts";
import { transportError } from "../transport-error.ts";
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
  let bytes: Buffer;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(endpoint.url, {
      method: "POST",
      dispatcher: endpoint.dispatcher,
      headers: { ...endpoint.headers, "x-request-id": call.requestId },
      body: toOpenAIEmbeddingsBody(req, model),
      signal: call.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    // Bytes, not text: the vectors are cut out of them (readOpenAIEmbeddings).
    bytes = Buffer.from(await res.body.arrayBuffer());
  } catch (error) {
    throw transportError(provider, error, call.signal);
  }
  if (res.statusCode >= 400) throw httpError(provider, res.statusCode, res.headers, new TextDecoder().decode(bytes));
  return readOpenAIEmbeddings(bytes, provider);
}
