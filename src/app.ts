// Builds the Hono app: middleware and routes wired together, nothing else.
import { Hono } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { GatewayEnv, RequestRecord } from "./http/context.ts";
import { errorHeaders, GatewayError, toGatewayError } from "./http/errors.ts";
import { providerReports, type ProviderReports } from "./http/provider-reports.ts";
import { accessLog } from "./http/middleware/access-log.ts";
import { authenticate } from "./http/middleware/auth.ts";
import { budgetHeader } from "./http/middleware/budget-header.ts";
import { requestId } from "./http/middleware/request-id.ts";
import { apiByPath, errorRenderersByPath, mountable, type MountedDoor } from "./http/routes/front-door.ts";
import { health, providersHealth, ready } from "./http/routes/health.ts";
import { metricsRoute } from "./http/routes/metrics.ts";
import { getModel, listModels } from "./http/routes/models.ts";
import { ownKey } from "./http/routes/own-key.ts";
import { openaiChat } from "./dialects/openai-chat/index.ts";
import { openaiEmbeddings } from "./dialects/openai-embeddings/index.ts";
import { openaiResponses } from "./dialects/openai-responses/index.ts";
import { deleteResponse, getResponse, responseInputItems, responseInputTokens } from "./http/routes/responses.ts";
import { anthropicMessages } from "./dialects/anthropic-messages/index.ts";
import { anthropicCountTokens } from "./dialects/anthropic-messages/count-tokens.ts";
import type { ResponseCache } from "./pipeline/cache-seam.ts";
import { RoutingError } from "./routing/routing-error.ts";
import type { RuntimeSource } from "./runtime.ts";
import { statusRoute, type StatusAnswers } from "./status/routes.ts";
import type { Logger } from "./telemetry/logger.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./telemetry/metrics.ts";
import type { ReadinessCheck } from "./telemetry/readiness.ts";
import { loggableError } from "./telemetry/redact.ts";

export interface AppDeps {
  logger: Logger;
  isShuttingDown?: () => boolean;
  /** Where requests, retries, fallbacks, breakers and limits are counted; a fresh registry when absent. */
  metrics?: GatewayMetrics;
  /** Extra /ready conditions; modules may push to this list after the app is built. */
  readinessChecks?: ReadinessCheck[];
  /** Provider reports shared with the status page; built here when absent. */
  reports?: ProviderReports;
  /** The status page, served here unless metrics have a port of their own; absent: not served. */
  status?: StatusAnswers | undefined;
  /** The pipeline's response cache; none when absent. */
  cache?: ResponseCache;
}

export function createApp(source: RuntimeSource, deps: AppDeps): Hono<GatewayEnv> {
  const metrics = deps.metrics ?? createGatewayMetrics();
  const pipeline = { metrics, cache: deps.cache };
  // The front doors: adding one is a folder under src/dialects/ and a line here.
  const doors: MountedDoor[] = [
    mountable(source, openaiChat, pipeline),
    mountable(source, openaiEmbeddings, pipeline),
    mountable(source, openaiResponses, pipeline),
    mountable(source, anthropicMessages, pipeline),
    mountable(source, anthropicCountTokens, pipeline),
  ];

  const errorRenderers = errorRenderersByPath(doors);
  const apis = apiByPath(doors);

  const app = new Hono<GatewayEnv>();
  app.use(requestId());
  app.use(accessLog(deps.logger, { metrics, apis }));

  app.get("/health", health());
  app.get("/ready", ready(source, deps.isShuttingDown ?? (() => false), deps.readinessChecks));
  // Metrics settings apply at start; on their own port they are served by server.ts instead.
  const exposition = source.current.config.raw.server.metrics;
  app.get("/health/providers", providersHealth(deps.reports ?? providerReports(source), exposition.token));
  if (exposition.enabled && exposition.port === undefined) {
    app.get("/metrics", metricsRoute(metrics, exposition.token));
    if (deps.status) {
      app.get("/status", statusRoute(deps.status.page));
      app.get("/status.json", statusRoute(deps.status.json));
    }
  }

  const api = new Hono<GatewayEnv>();
  api.use(authenticate(() => source.current.config.keys));
  // A door's POST is admitted by the pipeline, which reads the budget there.
  api.use(budgetHeader(source, (method, path) => method === "POST" && apis.has(path)));
  // Registered before the doors: `/responses/input_tokens` is not a response id.
  api.post("/responses/input_tokens", responseInputTokens(source));
  for (const door of doors) api.post(door.path, door.handler);
  api.get("/responses/:id", getResponse(source));
  api.delete("/responses/:id", deleteResponse(source));
  api.get("/responses/:id/input_items", responseInputItems(source));
  api.get("/models", listModels(source));
  api.get("/models/:id{.+}", getModel(source));
  api.get("/key", ownKey(source));
  app.route("/v1", api);
  app.route("/", api);

  app.notFound((c) => {
    const error = new GatewayError(404, "invalid_request_error", `Unknown request URL: ${c.req.method} ${c.req.path}`, {
      code: "unknown_url",
      retryable: false,
    });
    return c.json(error.envelope, 404, { ...c.get("replyHeaders"), ...errorHeaders(error) });
  });
  app.onError((err, c) => {
    const { redact } = source.current;
    const error = toGatewayError(err, redact);
    // Set by the first middleware; absent only if that middleware itself failed.
    const record = c.get("record") as RequestRecord | undefined;
    if (record) record.error = error.message;
    // A policy refusal still names the rule that refused, in the header, the log and the metrics.
    if (err instanceof RoutingError && err.rule !== undefined) {
      c.get("replyHeaders")["x-llm-route"] = err.rule;
      if (record) record.route = err.rule;
    }
    if (error.status >= 500 && error.type === "server_error") deps.logger.error({ err: loggableError(err, redact), requestId: c.get("requestId") }, "unhandled error");
    if (c.env.outgoing.headersSent) {
      // The response already started: nothing valid can follow, so cut it.
      c.env.outgoing.destroy();
      return RESPONSE_ALREADY_SENT;
    }
    const headers = { ...c.get("replyHeaders"), ...errorHeaders(error) };
    const render = errorRenderers.get(c.req.path);
    if (render) {
      const reply = render(error, c.get("requestId"));
      return c.json(reply.body, reply.status as 400, { ...headers, ...reply.headers });
    }
    return c.json(error.envelope, error.status as 400, headers);
  });
  return app;
}
