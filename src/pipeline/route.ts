// The route step: classify the request, match the rules, build the plan and filter it by
// policy (the router does all four), then put what was decided on the log record and the
// response headers.
import type { ModelKind } from "../config/types.ts";
import type { RouteDecision } from "../routing/router.ts";
import type { Routed } from "./front-door.ts";
import type { Inbound } from "./inbound.ts";

export function route({ req, texts, features }: Routed, kind: ModelKind, inbound: Inbound): RouteDecision {
  const { runtime, record } = inbound;
  const decision = runtime.router.decide({
    req,
    texts,
    features,
    kind,
    key: inbound.key,
    headers: inbound.headers,
    isHealthy: (provider) => runtime.breakers.allows(provider),
  });
  record.publicModel = decision.model.name;
  record.sensitivity = decision.sensitivity;
  record.complexity = decision.complexity;
  if (decision.rule) {
    inbound.replyHeaders["x-llm-route"] = decision.rule;
    record.route = decision.rule;
  }
  if (decision.model.name !== req.model) record.servedModel = decision.model.name;
  return decision;
}
