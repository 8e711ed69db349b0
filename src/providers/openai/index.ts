// OpenAI and OpenAI-compatible upstreams (vLLM, OpenRouter, Groq, Together...): the hot path.
// The client's body goes out with only `model` (and stream usage) changed, over an undici
// keep-alive pool with no connection cap, and the upstream's bytes come back as they arrive.
import { request, type Dispatcher } from "undici";
import type { ProviderConfig } from "../../config/schema.ts";
import type { CallOptions, ChatRequest, ChatResult, Dialect, EmbeddingsRequest, EmbeddingsResult, ProviderAdapter, Usage } from "../types.ts";
import { stringifyWith } from "../../json/source-text.ts";
import { GatewayInputError } from "../input-error.ts";
import { transportError } from "../transport-error.ts";
import { RelayedStream } from "../relayed-stream.ts";
import { answerTail, answerText, callUpstream, headersNamed, type UpstreamAnswer } from "../upstream-call.ts";
import { embedOpenAI, type EmbedEndpoint } from "./embed.ts";
import { httpError } from "./errors.ts";
import { nativeResponses, type ResponsesEndpoint } from "./responses.ts";
import { relaySse } from "./sse-relay.ts";
import { scanUsage } from "./usage-scan.ts";
import { createUpstreamPool } from "../upstream-pool.ts";

type OpenAIConfig = Extract<ProviderConfig, { type: "openai" }>;

/** Response headers worth passing to the client; the gateway sets its own rate-limit headers. */
const RELAYED_HEADERS = ["content-type", "openai-processing-ms", "openai-version"];

export function createOpenAIAdapter(id: string, config: OpenAIConfig): ProviderAdapter {
  const base = config.base_url.replace(/\/+$/, "");
  const chatUrl = new URL(`${base}/chat/completions`);
  const modelsUrl = new URL(`${base}/models`);
  const pool = createUpstreamPool();
  const { dispatcher } = pool;
  const fixedHeaders: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(config.api_key ? { authorization: `Bearer ${config.api_key}` } : {}),
    ...(config.organization ? { "openai-organization": config.organization } : {}),
    ...config.headers,
  };
  const embeddings: EmbedEndpoint = { provider: id, url: new URL(`${base}/embeddings`), dispatcher, headers: fixedHeaders };
  const responses: ResponsesEndpoint = { provider: id, base, dispatcher, headers: fixedHeaders, relayedHeaders: RELAYED_HEADERS };

  return {
    id,
    async chat(req: ChatRequest, model: string, call: CallOptions): Promise<ChatResult> {
      const stream = req.stream === true;
      const clientWantsUsage = req.stream_options?.include_usage === true;
      const injectUsage = stream && config.stream_usage && !clientWantsUsage;
      // A large body is spliced from the client's text rather than serialised again (source-text.ts).
      const payload = stringifyWith(
        req,
        injectUsage ? { model, stream_options: { ...req.stream_options, include_usage: true } } : { model },
      );
      let res: UpstreamAnswer;
      try {
        // A complete JSON answer is read whole (it is bounded) so failures surface before any byte is sent.
        res = await callUpstream(dispatcher, chatUrl, {
          method: "POST",
          headers: { ...fixedHeaders, "x-request-id": call.requestId },
          body: payload,
          signal: call.signal,
          relayStream: stream,
        });
      } catch (error) {
        throw transportError(id, error, call.signal);
      }
      if (res.status >= 400) throw httpError(id, res.status, res.headers, answerText(res));
      const headers = headersNamed(res, RELAYED_HEADERS);
      if (res.stream !== undefined) {
        const relay = relaySse(new RelayedStream(res.stream, id, call.signal), { stripUsageChunk: injectUsage });
        return { kind: "passthrough", status: res.status, headers, body: relay.body, usage: relay.usage };
      }
      const buf = res.body;
      const usage: Usage | undefined = scanUsage(answerTail(buf));
      return { kind: "passthrough", status: res.status, headers, body: [buf], usage: Promise.resolve(usage) };
    },

    speaks: (dialect: Dialect) => dialect === "openai-responses" && config.responses === true,

    async native(dialect, request, model, call) {
      if (dialect !== "openai-responses" || config.responses !== true) {
        throw new GatewayInputError(`provider '${id}' does not serve ${dialect} natively`, "model", "native_lane_unsupported");
      }
      return nativeResponses(responses, request, model, call);
    },

    embed(req: EmbeddingsRequest, model: string, call: CallOptions): Promise<EmbeddingsResult> {
      return embedOpenAI(embeddings, req, model, call);
    },

    async listModels(signal: AbortSignal): Promise<string[]> {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(modelsUrl, { method: "GET", dispatcher, headers: fixedHeaders, signal });
      } catch (error) {
        throw transportError(id, error, signal);
      }
      const text = await res.body.text();
      if (res.statusCode >= 400) throw httpError(id, res.statusCode, res.headers, text);
      const parsed = JSON.parse(text) as { data?: { id?: unknown }[] };
      return (parsed.data ?? []).flatMap((m) => (typeof m.id === "string" ? [m.id] : []));
    },

    async close(): Promise<void> {
      await pool.close();
    },
  };
}
