// Routing refusals as values the HTTP layer renders: each knows its status and OpenAI type.
import type { ModelKind } from "../config/types.ts";

export type RoutingRefusal = "unknown_model" | "model_not_allowed" | "no_default" | "policy_empty_plan" | "invalid_header" | "wrong_kind";

export class RoutingError extends Error {
  override readonly name = "RoutingError";
  readonly refusal: RoutingRefusal;
  readonly param: string | undefined;
  /** The routing rule that matched, when the refusal came after rule matching. */
  readonly rule: string | undefined;

  constructor(refusal: RoutingRefusal, message: string, param?: string, rule?: string) {
    super(message);
    this.refusal = refusal;
    this.param = param;
    this.rule = rule;
  }

  static unknownModel(model: string): RoutingError {
    return new RoutingError("unknown_model", `The model '${model}' does not exist or you do not have access to it.`, "model");
  }

  static modelNotAllowed(model: string, key: string): RoutingError {
    return new RoutingError("model_not_allowed", `API key '${key}' is not allowed to use model '${model}'.`, "model");
  }

  /** A chat request on an embeddings model, or the reverse (`auto` is a chat model). */
  static wrongKind(model: string, kind: ModelKind, asked: ModelKind): RoutingError {
    const article = (k: ModelKind) => (k === "chat" ? "a chat" : "an embeddings");
    const operation = asked === "chat" ? "chat completions" : "embeddings";
    return new RoutingError("wrong_kind", `The model '${model}' is ${article(kind)} model and cannot serve ${operation}; use ${article(asked)} model.`, "model");
  }

  static noDefault(): RoutingError {
    return new RoutingError("no_default", `model 'auto' needs routing.default or a matching routing rule with 'use'`, "model");
  }
}
