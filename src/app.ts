// Builds the Hono app: middleware and routes wired together, nothing else.
import type { RequestListener } from "node:http";
import { Hono } from "hono";
import { getRequestListener } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { GatewayEnv } from "./http/context.ts";
import { doorListener, type DirectDoors } from "./http/door-listener.ts";
import { errorAnswerer } from "./http/error-reply.ts";
import { errorHeaders, GatewayError } from "./http/errors.ts";
import { providerReports, type ProviderReports } from "./http/provider-reports.ts";
import { accessLog, accessLogger } from "./http/middleware/access-log.ts";
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
import type { RuntimeSource } from "./runtime.ts";
import { statusRoute, type StatusAnswers } from "./status/routes.ts";
import type { Logger } from "./telemetry/logger.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./telemetry/metrics.ts";
import type { ReadinessCheck } from "./telemetry/readiness.ts";

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
  return assemble(source, deps).app;
}

/**
 * The node:http request listener: the front doors' POST routes served directly, everything
 * else by the Hono app (through @hono/node-server's adaptor).
 */
export function createListener(source: RuntimeSource, deps: AppDeps): RequestListener {
  const { app, direct } = assemble(source, deps);
  return doorListener(direct, getRequestListener(app.fetch, { autoCleanupIncoming: true }));
}

function assemble(source: RuntimeSource, deps: AppDeps): { app: Hono<GatewayEnv>; direct: DirectDoors } {
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

  const apis = apiByPath(doors);
  const log = accessLogger(deps.logger, { metrics, apis });
  const errorAnswer = errorAnswerer(source, deps.logger, errorRenderersByPath(doors));
  const direct: DirectDoors = {
    source,
    routes: new Map(doors.flatMap((door) => [[`/v1${door.path}`, door.serve] as const, [door.path, door.serve] as const])),
    log,
    errorAnswer,
  };

  const app = new Hono<GatewayEnv>();
  app.use(requestId());
  app.use(accessLog(log));

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
    const answer = errorAnswer(err, {
      path: c.req.path,
      requestId: c.get("requestId"),
      // Set by the first middleware; absent only if that middleware itself failed.
      record: c.get("record"),
      replyHeaders: c.get("replyHeaders"),
      outgoing: c.env.outgoing,
    });
    if (answer === undefined) return RESPONSE_ALREADY_SENT;
    return c.json(answer.body, answer.status as 400, answer.headers);
  });
  return { app, direct };
}
