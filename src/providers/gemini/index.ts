// The Gemini adapter: OpenAI requests in, Gemini generateContent / streamGenerateContent through
// the official SDK (@google/genai), OpenAI completions and chunks out.
import { GoogleGenAI, type GenerateContentConfig, type GenerateContentResponse } from "@google/genai";
import type { ProviderConfig } from "../../config/schema.ts";
import { UpstreamError } from "../errors.ts";
import { loadImages } from "../images.ts";
import { warnUserIgnored } from "../embeddings-input.ts";
import { GatewayInputError } from "../input-error.ts";
import { newResponseMeta } from "../openai-shapes.ts";
import { pooledFetch } from "../pooled-fetch.ts";
import type { CallOptions, ChatCompletionChunk, ChatRequest, ChatResult, EmbeddingsRequest, EmbeddingsResult, ProviderAdapter } from "../types.ts";
import { fromGeminiEmbeddings, toGeminiEmbedCalls } from "./embed.ts";
import { toUpstreamError } from "./errors.ts";
import type { GeminiResponseMeta } from "./native.ts";
import { imageUrls, toGeminiRequest } from "./request.ts";
import { toChatCompletion } from "./response.ts";
import { createStreamTranslator } from "./stream.ts";
import { createUpstreamPool } from "../upstream-pool.ts";

type GeminiConfig = Extract<ProviderConfig, { type: "gemini" }>;

export function createGeminiAdapter(id: string, config: GeminiConfig): ProviderAdapter {
  // One keep-alive pool per adapter, released by close(). Timeouts are the gateway's (via the
  // call's AbortSignal), so undici's own header/body timeouts are off.
  const pool = createUpstreamPool();

  const ai = new GoogleGenAI({
    vertexai: false, // never picked up from GOOGLE_GENAI_USE_VERTEXAI
    apiKey: config.api_key, // sent as the x-goog-api-key header, never in the URL
    // This SDK defaults to v1; v1beta is where Gemini's full generateContent surface lives
    // (responseJsonSchema, thinkingConfig, thought signatures).
    apiVersion: "v1beta",
    httpOptions: {
      baseUrl: config.base_url,
      headers: { ...config.headers },
      // This SDK retries only when retryOptions is set; one attempt pins retries off, since the
      // gateway's executor owns retries and fallback.
      retryOptions: { attempts: 1 },
      fetch: pooledFetch(pool.dispatcher),
    },
  });

  /**
   * Per-call SDK options: the request id upstream, the abort signal, no SDK-side automation, and
   * a fetch over the same pool that notes when the request goes out.
   */
  const callConfig = (signal: AbortSignal, requestId: string, fetch: typeof globalThis.fetch): GenerateContentConfig => ({
    abortSignal: signal,
    httpOptions: { headers: { "x-request-id": requestId }, fetch },
    automaticFunctionCalling: { disable: true },
    // Continuation would silently re-open a broken stream; a broken stream must surface instead.
    automaticContinuation: false,
  });

  return {
    id,

    async chat(req: ChatRequest, model: string, call: CallOptions): Promise<ChatResult> {
      const request = { sent: false };
      const fetch = pooledFetch(pool.dispatcher, { onRequest: () => (request.sent = true) });
      try {
        const images = await loadImages(imageUrls(req), call.images, call.signal);
        const native = toGeminiRequest(req, model, images);
        const meta: GeminiResponseMeta = { ...newResponseMeta(call.publicModel), singleToolCall: req.parallel_tool_calls === false };
        if (req.stream !== true) {
          const res = await ai.models.generateContent({
            model,
            contents: native.contents,
            config: { ...native.config, ...callConfig(call.signal, call.requestId, fetch) },
          });
          return { kind: "completion", completion: toChatCompletion(res, meta) };
        }
        // Aborted when the consumer stops early, so the upstream body is not left open.
        const stop = new AbortController();
        const upstream = await ai.models.generateContentStream({
          model,
          contents: native.contents,
          config: { ...native.config, ...callConfig(AbortSignal.any([call.signal, stop.signal]), call.requestId, fetch) },
        });
        return { kind: "stream", chunks: translateStream(id, upstream, meta, call.signal, stop) };
      } catch (error) {
        if (error instanceof GatewayInputError) throw error;
        // Thrown before a request went out (translation, the SDK's own conversion): not the upstream's.
        if (!request.sent && !call.signal.aborted) throw error;
        throw toUpstreamError(id, error, call.signal, "request");
      }
    },

    async embed(req: EmbeddingsRequest, model: string, call: CallOptions): Promise<EmbeddingsResult> {
      const calls = toGeminiEmbedCalls(req, model, id);
      warnUserIgnored(req, id, call);
      // Batches go out together; the first failure stops the others.
      const stop = new AbortController();
      const signal = AbortSignal.any([call.signal, stop.signal]);
      try {
        const answers = await Promise.all(
          calls.map((params) =>
            ai.models.embedContent({ ...params, config: { ...params.config, abortSignal: signal, httpOptions: { headers: { "x-request-id": call.requestId } } } }),
          ),
        );
        return fromGeminiEmbeddings(calls, answers, id);
      } catch (error) {
        stop.abort();
        throw toUpstreamError(id, error, call.signal, "request");
      }
    },

    async listModels(signal: AbortSignal): Promise<string[]> {
      try {
        const pager = await ai.models.list({ config: { abortSignal: signal, pageSize: 1000 } });
        const names: string[] = [];
        for (let page = pager.page; ; page = await pager.nextPage()) {
          for (const model of page) if (model.name) names.push(model.name.replace(/^models\//, ""));
          if (!pager.hasNextPage()) break;
        }
        return names;
      } catch (error) {
        throw toUpstreamError(id, error, signal, "request");
      }
    },

    async close(): Promise<void> {
      await pool.close();
    },
  };
}

async function* translateStream(
  provider: string,
  upstream: AsyncGenerator<GenerateContentResponse>,
  meta: GeminiResponseMeta,
  signal: AbortSignal,
  stop: AbortController,
): AsyncGenerator<ChatCompletionChunk> {
  const translator = createStreamTranslator(meta);
  let drained = false;
  try {
    for await (const event of upstream) yield* translator.push(event);
    drained = true;
    const end = translator.finish();
    if (!end.complete) {
      throw new UpstreamError({ provider, status: 502, failure: "stream", message: `${provider} stream ended without a finish reason` });
    }
    yield* end.chunks;
  } catch (error) {
    throw toUpstreamError(provider, error, signal, "stream");
  } finally {
    if (!drained) stop.abort();
  }
}
