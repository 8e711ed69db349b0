// Where Azure serves the Responses API. The v1 API (`{endpoint}/openai/v1/responses`, no
// api-version) is the one Azure documents now; resources still on the dated preview route
// (`{endpoint}/openai/responses?api-version=2025-04-01-preview`) name their version in
// `responses_api_version`. Either way the deployment goes in the body's `model`, and the key in
// the `api-key` header.
import type { Dispatcher } from "undici";
import type { ProviderConfig } from "../../config/schema.ts";
import type { ResponsesEndpoint } from "../openai/responses.ts";

type AzureConfig = Extract<ProviderConfig, { type: "azure" }>;

/** Azure's own request id is worth handing on: its support asks for it. */
const RELAYED_HEADERS = ["content-type", "apim-request-id"];

export function azureResponsesEndpoint(provider: string, config: AzureConfig, dispatcher: Dispatcher): ResponsesEndpoint {
  const root = `${config.endpoint.replace(/\/+$/, "")}/openai`;
  const dated = config.responses_api_version;
  return {
    provider,
    base: dated === undefined ? `${root}/v1` : root,
    ...(dated === undefined ? {} : { query: `api-version=${encodeURIComponent(dated)}` }),
    dispatcher,
    headers: { accept: "application/json, text/event-stream", "api-key": config.api_key, ...config.headers },
    relayedHeaders: RELAYED_HEADERS,
  };
}
