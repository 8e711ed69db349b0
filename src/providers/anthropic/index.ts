// The Anthropic adapter: translation around the official SDK, over the adapter's own undici pool.
import type Anthropic from "@anthropic-ai/sdk";
import { APIError } from "@anthropic-ai/sdk/core/error";
import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type { ProviderConfig } from "../../config/schema.ts";
import { newResponseMeta } from "../openai-shapes.ts";
import { pooledFetch } from "../pooled-fetch.ts";
import type { CallOptions, ChatCompletionChunk, ChatRequest, ChatResult, Dialect, NativeRequest, PassthroughResult, ProviderAdapter } from "../types.ts";
import { GatewayInputError } from "../input-error.ts";
import { toUpstreamError } from "./errors.ts";
import { toAnthropicRequest } from "./request.ts";
import { toChatCompletion } from "./response.ts";
import { AnthropicStreamTranslator, type StreamContext } from "./stream.ts";
import { callNative, nativeUrls, type NativeEndpoint } from "./native.ts";
import { createUpstreamPool } from "../upstream-pool.ts";
import { loadSdk } from "./sdk.ts";

type AnthropicConfig = Extract<ProviderConfig, { type: "anthropic" }>;

/** The SDK's own cap; the executor's signal normally ends a call long before it. */
const SDK_BACKSTOP_TIMEOUT_MS = 600_000;

export function createAnthropicAdapter(id: string, config: AnthropicConfig): ProviderAdapter {
  const pool = createUpstreamPool();
  // Built on the first translated call or model listing; the native lane never needs it.
  let client: Promise<Anthropic> | undefined;
  const sdkClient = (): Promise<Anthropic> =>
    (client ??= loadSdk().then(
      (sdk) =>
        new sdk.Anthropic({
          apiKey: config.api_key,
          baseURL: config.base_url,
          defaultHeaders: config.headers,
          // The executor owns retries; an explicit timeout also stops the SDK refusing large
          // non-streaming max_tokens.
          maxRetries: 0,
          timeout: config.timeout_ms ?? SDK_BACKSTOP_TIMEOUT_MS,
          fetch: pooledFetch(pool.dispatcher),
        }),
    ));
  const baseUrl = config.base_url.replace(/\/+$/, "");
  const native: NativeEndpoint = {
    provider: id,
    baseUrl,
    urls: nativeUrls(baseUrl),
    dispatcher: pool.dispatcher,
    headers: { "x-api-key": config.api_key, ...config.headers },
  };

  return {
    id,
    speaks: (dialect: Dialect) => dialect === "anthropic-messages",

    async chat(req: ChatRequest, model: string, call: CallOptions): Promise<ChatResult> {
      const { params, jsonTool, ignored } = toAnthropicRequest(req, model, {
        defaultMaxTokens: call.defaultMaxTokens ?? config.default_max_tokens,
      });
      for (const name of ignored) call.warn?.(`${name} ignored: ${id} (${model}) samples with its own settings`);
      const ctx: StreamContext = { ...newResponseMeta(call.publicModel), provider: id, jsonTool };
      const options = { signal: call.signal, headers: { "x-request-id": call.requestId } };
      const anthropic = await sdkClient();
      try {
        if (req.stream === true) {
          // Resolves once the upstream has answered with headers; events are read lazily.
          const events = await anthropic.messages.create({ ...params, stream: true }, options);
          return { kind: "stream", chunks: translateStream(events, ctx, call.signal) };
        }
        const message = await anthropic.messages.create({ ...params, stream: false }, options);
        return { kind: "completion", completion: toChatCompletion(message, ctx) };
      } catch (error) {
        // The SDK reports every failed call as an APIError; anything else was thrown before a
        // request went out (serialising the body, the SDK's own checks): not the upstream's.
        if (!(error instanceof APIError) && !call.signal.aborted) throw error;
        throw toUpstreamError(id, error, call.signal, "request");
      }
    },

    native(dialect: Dialect, req: NativeRequest, model: string, call: CallOptions): Promise<PassthroughResult> {
      if (dialect !== "anthropic-messages") throw new GatewayInputError(`provider '${id}' does not serve ${dialect} natively`, "model", "native_lane_unsupported");
      return callNative(native, req, model, call);
    },

    async listModels(signal: AbortSignal): Promise<string[]> {
      const ids: string[] = [];
      const anthropic = await sdkClient();
      try {
        for await (const info of anthropic.models.list({ limit: 1000 }, { signal })) ids.push(info.id);
      } catch (error) {
        throw toUpstreamError(id, error, signal, "request");
      }
      return ids;
    },

    close(): Promise<void> {
      return pool.close();
    },
  };
}

async function* translateStream(
  events: AsyncIterable<RawMessageStreamEvent>,
  ctx: StreamContext,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const translator = new AnthropicStreamTranslator(ctx);
  try {
    for await (const event of events) yield* translator.push(event);
    // The SDK ends iteration quietly when its request is aborted; that is not a finished stream.
    if (signal.aborted) throw signal.reason;
    yield* translator.finish();
  } catch (error) {
    throw toUpstreamError(ctx.provider, error, signal, "stream");
  }
}
