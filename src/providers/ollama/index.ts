// The Ollama adapter: the official `ollama` SDK against `base_url`, one light client per call so
// each call carries its own abort signal and `x-request-id`, all sharing one connection pool.
import { Ollama, type ChatRequest as SdkChatRequest } from "ollama";
import type { ProviderConfig } from "../../config/schema.ts";
import { warnUserIgnored } from "../embeddings-input.ts";
import { loadImages } from "../images.ts";
import { newResponseMeta, type ResponseMeta } from "../openai-shapes.ts";
import type { CallOptions, ChatRequest, ChatResult, ChatCompletionChunk, EmbeddingsRequest, EmbeddingsResult, ProviderAdapter } from "../types.ts";
import { fromOllamaEmbed, toOllamaEmbedRequest, type OllamaEmbedResponse } from "./embed.ts";
import { toUpstreamError, type ErrorContext } from "./errors.ts";
import { imageUrlsOf } from "./messages.ts";
import { toOllamaRequest } from "./request.ts";
import { toChatCompletion } from "./response.ts";
import { createStreamTranslator } from "./stream.ts";
import { createCallTransport, type CallTransport } from "./transport.ts";
import type { OllamaChatRequest, OllamaChatResponse } from "./wire.ts";
import { createUpstreamPool } from "../upstream-pool.ts";

type OllamaConfig = Extract<ProviderConfig, { type: "ollama" }>;

interface CallClient {
  client: Ollama;
  transport: CallTransport;
}

export function createOllamaAdapter(id: string, config: OllamaConfig): ProviderAdapter {
  // Timeouts belong to the gateway (the call's signal), not to the pool: a local model may take
  // minutes to load before its first byte.
  const pool = createUpstreamPool();

  const clientFor = (signal: AbortSignal, requestId?: string): CallClient => {
    const transport = createCallTransport(pool.dispatcher, signal);
    const headers: Record<string, string> = { ...config.headers };
    if (requestId !== undefined) headers["x-request-id"] = requestId;
    return { client: new Ollama({ host: config.base_url, fetch: transport.fetch, headers }), transport };
  };

  const errorContext = (signal: AbortSignal, transport: CallTransport, phase: ErrorContext["phase"]): ErrorContext => ({
    provider: id,
    signal,
    phase,
    headers: transport.headers,
  });

  return {
    id,

    async chat(req: ChatRequest, model: string, call: CallOptions): Promise<ChatResult> {
      const stream = req.stream === true;
      // Ollama cannot take an image by URL: http(s) images are fetched, data URLs size-checked.
      const images = await loadImages(imageUrlsOf(req.messages), call.images, call.signal);
      const request = toOllamaRequest(req, model, { stream, images, keepAlive: config.keep_alive });
      const meta = newResponseMeta(call.publicModel);
      const { client, transport } = clientFor(call.signal, call.requestId);
      try {
        if (!stream) {
          const res = await client.chat({ ...toSdkRequest(request), stream: false });
          return { kind: "completion", completion: toChatCompletion(res as unknown as OllamaChatResponse, meta) };
        }
        // Resolves once Ollama has answered with headers; HTTP errors are thrown here.
        const lines = await client.chat({ ...toSdkRequest(request), stream: true });
        return { kind: "stream", chunks: translateStream(lines, meta, () => errorContext(call.signal, transport, "stream")) };
      } catch (error) {
        // Thrown before a request went out (the SDK's own handling of the body): not the upstream's.
        if (!transport.called && !call.signal.aborted) throw error;
        throw toUpstreamError(error, errorContext(call.signal, transport, "request"));
      }
    },

    async embed(req: EmbeddingsRequest, model: string, call: CallOptions): Promise<EmbeddingsResult> {
      const request = toOllamaEmbedRequest(req, model, id, config.keep_alive);
      warnUserIgnored(req, id, call);
      const { client, transport } = clientFor(call.signal, call.requestId);
      let answer: OllamaEmbedResponse;
      try {
        answer = await client.embed(request);
      } catch (error) {
        throw toUpstreamError(error, errorContext(call.signal, transport, "request"));
      }
      return fromOllamaEmbed(answer, id);
    },

    async listModels(signal: AbortSignal): Promise<string[]> {
      const { client, transport } = clientFor(signal);
      try {
        const list = await client.list();
        return list.models.map((m) => m.name);
      } catch (error) {
        throw toUpstreamError(error, errorContext(signal, transport, "request"));
      }
    },

    async close(): Promise<void> {
      await pool.close();
    },
  };
}

/**
 * The SDK treats an image string that names an existing file as a path and uploads that file,
 * so base64 from a client could make the gateway read its own disk. Bytes are passed instead,
 * which the SDK only re-encodes. Its Tool type also narrows JSON Schema, hence the cast.
 */
function toSdkRequest(request: OllamaChatRequest): SdkChatRequest {
  return {
    ...request,
    messages: request.messages.map((m) => (m.images ? { ...m, images: m.images.map((b64) => Buffer.from(b64, "base64")) } : m)),
  };
}

async function* translateStream(
  lines: AsyncIterable<unknown> & { abort(): void },
  meta: ResponseMeta,
  errorContext: () => ErrorContext,
): AsyncGenerator<ChatCompletionChunk> {
  const translator = createStreamTranslator(meta);
  let complete = false;
  try {
    for await (const line of lines) yield* translator.push(line as OllamaChatResponse);
    yield* translator.finish();
    complete = true;
  } catch (error) {
    throw toUpstreamError(error, errorContext());
  } finally {
    // The consumer stopped early or the stream failed: release the upstream request.
    if (!complete) lines.abort();
  }
}
