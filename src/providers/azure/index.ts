// Azure OpenAI through the openai SDK's AzureOpenAI client. Azure speaks the OpenAI wire, so
// requests go out as the client sent them (unknown fields included) and answers come back
// unchanged; the adapter adds the deployment path, the api-version and the api-key header.
// With `responses: true` it also serves the Responses door natively, on the OpenAI lane's relay
// pointed at Azure's Responses root (`/openai/v1`, or the dated preview route).
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { APIError, AzureOpenAI } from "openai";
import type { ProviderConfig } from "../../config/schema.ts";
import { pooledFetch } from "../pooled-fetch.ts";
import type { CallOptions, ChatRequest, ChatResult, Dialect, EmbeddingsRequest, EmbeddingsResult, ProviderAdapter } from "../types.ts";
import { GatewayInputError } from "../input-error.ts";
import { nativeResponses } from "../openai/responses.ts";
import { azureResponsesEndpoint } from "./responses.ts";
import { embedAzure } from "./embed.ts";
import { toUpstreamError } from "./errors.ts";
import { azureChunks } from "./stream.ts";
import { createUpstreamPool } from "../upstream-pool.ts";

type AzureConfig = Extract<ProviderConfig, { type: "azure" }>;

/** The SDK's own cap; the executor's signal normally ends a call long before it. */
const SDK_BACKSTOP_TIMEOUT_MS = 600_000;

export function createAzureAdapter(id: string, config: AzureConfig): ProviderAdapter {
  // Timeouts are the gateway's (through the call's signal), so undici's own are off.
  const pool = createUpstreamPool();
  const client = new AzureOpenAI({
    // The base URL is given rather than `endpoint`: the SDK would otherwise take one from
    // OPENAI_BASE_URL and refuse the pair. Organization and project are pinned for the same
    // reason (OPENAI_ORG_ID and OPENAI_PROJECT_ID mean nothing to Azure).
    baseURL: `${config.endpoint.replace(/\/+$/, "")}/openai`,
    apiVersion: config.api_version,
    apiKey: config.api_key,
    // When unset, the SDK puts the request body's `model` (the target's model name) in the path.
    deployment: config.deployment,
    organization: null,
    project: null,
    defaultHeaders: config.headers,
    maxRetries: 0, // the executor owns retries
    timeout: config.timeout_ms ?? SDK_BACKSTOP_TIMEOUT_MS,
    fetch: pooledFetch(pool.dispatcher),
  });
  const responses = azureResponsesEndpoint(id, config, pool.dispatcher);

  return {
    id,

    async chat(req: ChatRequest, model: string, call: CallOptions): Promise<ChatResult> {
      const options = { signal: call.signal, headers: { "x-request-id": call.requestId } };
      try {
        if (req.stream === true) {
          // Usage is always asked for so the gateway can count tokens; the writer hides the
          // usage chunk from a client that did not ask for it.
          const body: ChatCompletionCreateParamsStreaming = {
            ...req,
            model,
            stream: true,
            stream_options: { ...req.stream_options, include_usage: true },
          };
          // Resolves once Azure has answered with headers; chunks are read lazily.
          const chunks = await client.chat.completions.create(body, options);
          return { kind: "stream", chunks: azureChunks(chunks, id, call.signal) };
        }
        const body: ChatCompletionCreateParamsNonStreaming = { ...req, model };
        return { kind: "completion", completion: await client.chat.completions.create(body, options) };
      } catch (error) {
        // The SDK reports every failed call as an APIError; anything else was thrown before a
        // request went out (serialising the body, the SDK's own checks): not the upstream's.
        if (!(error instanceof APIError) && !call.signal.aborted) throw error;
        throw toUpstreamError(id, error, call.signal, "request");
      }
    },

    speaks: (dialect: Dialect) => dialect === "openai-responses" && config.responses === true,

    async native(dialect, request, model, call) {
      if (dialect !== "openai-responses" || config.responses !== true) {
        throw new GatewayInputError(`provider '${id}' does not serve ${dialect} natively`, "model", "native_lane_unsupported");
      }
      // Azure names the deployment where OpenAI names the model.
      return nativeResponses(responses, request, config.deployment ?? model, call);
    },

    embed(req: EmbeddingsRequest, model: string, call: CallOptions): Promise<EmbeddingsResult> {
      return embedAzure(client, id, req, model, call);
    },

    /**
     * Deployments cannot be listed with an API key on the data plane (that is the management
     * API). `GET /openai/models?api-version=` can: it lists the models the resource may use (base
     * models and its fine-tunes), which proves the endpoint, key and api-version all work.
     */
    async listModels(signal: AbortSignal): Promise<string[]> {
      const ids: string[] = [];
      try {
        for await (const info of client.models.list({ signal })) ids.push(info.id);
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
