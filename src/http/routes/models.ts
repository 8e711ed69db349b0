// GET /v1/models and /v1/models/{id}: the configured public models, limited to what the caller's
// key may use, in one shape both OpenAI and Anthropic clients read: OpenAI's fields, plus
// Anthropic's (`type`, `display_name`, `created_at`, and the page's `has_more`/`first_id`/
// `last_id`). Claude Code's model discovery reads `data[].id` from the same path.
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
  type: "model";
  display_name: string;
  /** RFC 3339, as Anthropic's list has it. */
  created_at: string;
}

export function visibleModels(config: GatewayConfig, c: Context<GatewayEnv>): ModelObject[] {
  const allowed = c.get("key")?.models;
  const names = [...config.models.keys()];
  if (config.raw.routing.default !== undefined || config.raw.routing.rules.some((r) => r.use !== undefined)) names.push(AUTO_MODEL);
  const createdAt = new Date(config.loadedAt * 1000).toISOString();
  return names
    .filter((name) => !allowed || allowed.has(name))
    .map((name) => ({
      id: name,
      object: "model" as const,
      created: config.loadedAt,
      owned_by: name === AUTO_MODEL ? "llm-gateway" : (config.models.get(name)?.providers.join(",") ?? "llm-gateway"),
      type: "model" as const,
      display_name: name,
      created_at: createdAt,
    }));
}

export function listModels(source: RuntimeSource): Handler<GatewayEnv> {
  return function listModelsHandler(c) {
    const data = visibleModels(source.current.config, c);
    return c.json({ object: "list", data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
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
