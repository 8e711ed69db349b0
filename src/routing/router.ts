// Picks the public model a request is served by, and its plan of targets.
import type { ConcreteTarget, GatewayConfig, PublicModel, ResolvedKey } from "../config/types.ts";
import { AUTO_MODEL } from "../config/resolve.ts";
import type { ChatRequest } from "../providers/types.ts";
import { RoutingError } from "./routing-error.ts";
import { planFor } from "./plan.ts";

export interface RouteDecision {
  /** The public model that serves (what `auto` resolved to, or the model asked for). */
  model: PublicModel;
  /** The matched rule's name, if any. */
  rule: string | undefined;
  plan: ConcreteTarget[];
}

export interface RouteInput {
  req: ChatRequest;
  key: ResolvedKey | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export function decideRoute(config: GatewayConfig, input: RouteInput): RouteDecision {
  const requested = input.req.model;
  if (input.key?.models && !input.key.models.has(requested)) {
    if (requested !== AUTO_MODEL && !config.models.has(requested)) throw RoutingError.unknownModel(requested);
    throw RoutingError.modelNotAllowed(requested, input.key.name);
  }
  const name = requested === AUTO_MODEL ? config.raw.routing.default : requested;
  if (name === undefined) throw RoutingError.noDefault();
  const model = config.models.get(name);
  if (!model) throw RoutingError.unknownModel(requested);
  return { model, rule: undefined, plan: planFor(model.route) };
}
