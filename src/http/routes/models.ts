// GET /v1/models and /v1/models/{id}: the configured public models, in OpenAI's shapes,
// limited to what the caller's key may use.
import type { Context, Handler } from "hono";
import { AUTO_MODEL } from "../../config/resolve.ts";
import type { GatewayConfig } from "../../config/types.ts";
import type { RuntimeSource } from "../../runtime.ts";
import type { GatewayEnv } from "../context.ts";
import { GatewayError } from "../errors.ts";

interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

export function visibleModels(config: GatewayConfig, c: Context<GatewayEnv>): ModelObject[] {
  const allowed = c.get("key")?.models;
  const names = [...config.models.keys()];
  if (config.raw.routing.default !== undefined || config.raw.routing.rules.some((r) => r.use !== undefined)) names.push(AUTO_MODEL);
  return names
    .filter((name) => !allowed || allowed.has(name))
    .map((name) => ({
      id: name,
      object: "model" as const,
      created: config.loadedAt,
      owned_by: name === AUTO_MODEL ? "llm-gateway" : (config.models.get(name)?.providers.join(",") ?? "llm-gateway"),
    }));
}

export function listModels(source: RuntimeSource): Handler<GatewayEnv> {
  return function listModelsHandler(c) {
    return c.json({ object: "list", data: visibleModels(source.current.config, c) });
  };
}

export function getModel(source: RuntimeSource): Handler<GatewayEnv> {
  return function getModelHandler(c) {
    // Already percent-decoded by the router (left as sent where that is not valid UTF-8).
    const id = c.req.param("id") ?? "";
    const found = visibleModels(source.current.config, c).find((m) => m.id === id);
    if (!found) {
      throw new GatewayError(404, "invalid_request_error", `The model '${id}' does not exist or you do not have access to it.`, {
        param: "model",
        code: "model_not_found",
        retryable: false,
      });
    }
    return c.json(found);
  };
}
