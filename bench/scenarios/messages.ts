// POST /v1/messages: the Anthropic door's native lane against the bare undici proxy and the
// fake itself (requests/s at concurrency 64 with the arm's CPU per request, p50/p99 at
// concurrency 1, all on the same fake speaking Messages), and the translated lane (Messages in,
// chat to the OpenAI-protocol fake, Messages out) on the gateway alone, whose CPU per request
// is what translation costs.
import { isGateway, type ArmName } from "../harness/arms.ts";
import { MESSAGES_PATH, messagesBody, messagesHeaders, TRANSLATED_MESSAGES_MODEL } from "../harness/requests.ts";
import { measureRequests } from "./load.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

const measure = (ctx: ScenarioContext, body: string): Promise<Metrics> =>
  measureRequests(ctx, { path: MESSAGES_PATH, body, headers: messagesHeaders, label: "messages" });

const passThrough = (arm: ArmName): boolean => arm === "direct" || arm === "undici" || isGateway(arm);

export const messages: Scenario = {
  name: "messages",
  about: "POST /v1/messages, native lane to an Anthropic upstream: requests/s at concurrency 64 (CPU per request), p50/p99 at concurrency 1",
  appliesTo: passThrough,
  run: (ctx) => measure(ctx, messagesBody()),
};

export const messagesTranslated: Scenario = {
  name: "messages-tr",
  about: "POST /v1/messages translated to a chat upstream and back (gateway only): requests/s, CPU per request, p50/p99",
  appliesTo: isGateway,
  run: (ctx) => measure(ctx, messagesBody({ model: TRANSLATED_MESSAGES_MODEL })),
};
