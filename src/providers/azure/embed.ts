// Embeddings on Azure OpenAI: the deployment path (`/openai/deployments/{deployment}/embeddings`)
// through the SDK's AzureOpenAI client, the client's body with the target's model.
import type { AzureOpenAI } from "openai";
import { fromOpenAIEmbeddings } from "../openai-embeddings.ts";
import type { CallOptions, EmbeddingsRequest, EmbeddingsResult } from "../types.ts";
import { toUpstreamError } from "./errors.ts";

/**
 * The body Azure receives. The encoding is always named: without one the SDK would ask for base64
 * and decode it itself, while the gateway hands back whatever form the client asked for
 * (float when it named none, as OpenAI does).
 */
export function toAzureEmbeddingsBody(req: EmbeddingsRequest, model: string): EmbeddingsRequest {
  return { ...req, model, encoding_format: req.encoding_format ?? "float" };
}

export async function embedAzure(
  client: AzureOpenAI,
  provider: string,
  req: EmbeddingsRequest,
  model: string,
  call: CallOptions,
): Promise<EmbeddingsResult> {
  let answer: unknown;
  try {
    answer = await client.embeddings.create(toAzureEmbeddingsBody(req, model), { signal: call.signal, headers: { "x-request-id": call.requestId } });
  } catch (error) {
    throw toUpstreamError(provider, error, call.signal, "request");
  }
  return fromOpenAIEmbeddings(answer, provider);
}
