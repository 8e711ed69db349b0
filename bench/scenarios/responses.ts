// POST /v1/responses on the native lane (a provider with `responses: true`): requests/s at
// concurrency 64 (with the arm's CPU per request) and latency at concurrency 1, against the same
// fake as every other arm, so the gateway's ratio to the bare undici proxy is the door's cost.
// And the translated lane (Responses in, served by the Anthropic provider on the fake's Messages
// API) on the gateway alone, whose CPU per request is what the two translations cost.
import { isGateway } from "../harness/arms.ts";
import { headers, RESPONSES_PATH, responsesBody, TRANSLATED_RESPONSES_MODEL } from "../harness/requests.ts";
import { measureRequests } from "./load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

const measure = (ctx: ScenarioContext, body: string): Promise<Metrics> => measureRequests(ctx, { path: RESPONSES_PATH, body, headers, label: "responses" });

export const responses: Scenario = {
  name: "responses",
  about: "POST /v1/responses, native lane (JSON): requests/s at concurrency 64, p50/p99 at concurrency 1",
  appliesTo: () => true,
  run: (ctx) => measure(ctx, responsesBody()),
};

export const responsesTranslated: Scenario = {
  name: "responses-tr",
  about: "POST /v1/responses translated to an Anthropic Messages upstream and back (gateway only): requests/s, CPU per request, p50/p99",
  appliesTo: isGateway,
  run: (ctx) => measure(ctx, responsesBody({ model: TRANSLATED_RESPONSES_MODEL })),
};
