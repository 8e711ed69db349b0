// Decides where a request goes: classify it, match the rules (first match names the route and,
// for `auto`, picks the model), build the plan, and filter it by policy. Every matching rule's
// `allow_providers` applies, not only the first's: rule order can never let a request past a
// policy that matches it.
import { AUTO_MODEL } from "../config/resolve.ts";
import type { Complexity, ConcreteTarget, GatewayConfig, ModelKind, PublicModel, ResolvedKey, Sensitivity } from "../config/types.ts";
import type { ChatRequest, EmbeddingsRequest } from "../providers/types.ts";
import { classify, compileDetectors, type Detector } from "./classify.ts";
import { measure, type RequestFeatures } from "./features.ts";
import { fixedPlan, planFor } from "./plan.ts";
import { requestText } from "./request-text.ts";
import { RoutingError } from "./routing-error.ts";
import { compileRules, type CompiledRule } from "./rules.ts";

export interface RouteDecision {
  /** The public model that serves (what `auto` resolved to, or the model asked for). */
  model: PublicModel;
  /** The first matching rule's name, if any. */
  rule: string | undefined;
  plan: readonly ConcreteTarget[];
  sensitivity: Sensitivity;
  complexity: Complexity;
  promptTokens: number;
  /** Providers the matching policies allow (undefined: no policy applied). */
  allowed: ReadonlySet<string> | undefined;
}

/** The canonical requests routing reads (the model asked for, the texts, the hints). */
export type RoutedRequest = ChatRequest | EmbeddingsRequest;

export interface RouteInput {
  req: RoutedRequest;
  /** The kind of model the request needs; chat when absent. */
  kind?: ModelKind;
  /**
   * The client's text that goes upstream, for the content detectors: by default the canonical
   * request's. A door that forwards its own wire body passes a walk over that body.
   */
  texts?: Iterable<string> | undefined;
  /** What the door measured of its own wire body; by default measured on the canonical request. */
  features?: RequestFeatures | undefined;
  key: ResolvedKey | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Loadbalance draws among healthy providers first. */
  isHealthy?: (provider: string) => boolean;
  random?: () => number;
}

export interface Router {
  decide(input: RouteInput): RouteDecision;
}

export function createRouter(config: GatewayConfig): Router {
  const detectors: Detector[] = compileDetectors(config.raw);
  const rules: CompiledRule[] = compileRules(config.raw);
  const thresholds = config.raw.routing.complexity;

  return {
    decide(input) {
      const { req, key } = input;
      const kind = input.kind ?? "chat";
      const requested = req.model;
      if (requested !== AUTO_MODEL && !config.models.has(requested)) throw RoutingError.unknownModel(requested);
      if (key?.models && !key.models.has(requested)) throw RoutingError.modelNotAllowed(requested, key.name);
      if (requested === AUTO_MODEL && kind !== "chat") throw RoutingError.wrongKind(AUTO_MODEL, "chat", kind);

      const features = input.features ?? measure(req);
      const { sensitivity, complexity } = classify({ req, texts: input.texts ?? requestText(req), features, keyLevel: key?.sensitivity ?? "public", headers: input.headers }, detectors, thresholds);
      const facts = { model: requested, keyName: key?.name, sensitivity, complexity, features };
      // The first matching rule names the route; every matching rule's policy applies.
      let first: CompiledRule | undefined;
      let policies: CompiledRule[] | undefined;
      for (const rule of rules) {
        if (!rule.matches(facts)) continue;
        first ??= rule;
        if (rule.allowProviders) (policies ??= []).push(rule);
      }

      const name = requested === AUTO_MODEL ? (first?.use ?? config.raw.routing.default) : requested;
      if (name === undefined) throw RoutingError.noDefault();
      const model = config.models.get(name);
      if (!model) throw RoutingError.unknownModel(name);
      if (model.kind !== kind) throw RoutingError.wrongKind(requested, model.kind, kind);

      const allowed = policies === undefined ? undefined : intersect(policies.map((r) => r.allowProviders as ReadonlySet<string>));
      const isHealthy = input.isHealthy;
      const full =
        fixedPlan(model.route) ??
        planFor(model.route, {
          ...(input.random ? { random: input.random } : {}),
          ...(isHealthy ? { isHealthy: (t: ConcreteTarget) => isHealthy(t.provider) } : {}),
        });
      const plan = allowed ? full.filter((t) => allowed.has(t.provider)) : full;
      if (plan.length === 0) {
        const named = (policies ?? []).map((r) => `'${r.name}' (allow_providers: ${[...(r.allowProviders ?? [])].join(", ") || "none"})`);
        throw new RoutingError(
          "policy_empty_plan",
          `routing rule ${named.join(" and ")} leaves no target for model '${model.name}' (its providers: ${model.providers.join(", ")}); the request was not sent anywhere`,
          "model",
          first?.name,
        );
      }
      return { model, rule: first?.name, plan, sensitivity, complexity, promptTokens: features.promptTokens, allowed };
    },
  };
}

function intersect(sets: readonly ReadonlySet<string>[]): ReadonlySet<string> | undefined {
  const [head, ...rest] = sets;
  if (!head) return undefined;
  return new Set([...head].filter((p) => rest.every((s) => s.has(p))));
}
