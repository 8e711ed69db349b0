// POST /v1/chat/completions: read once, validate, route, execute with fallback, write.
import type { Handler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { RuntimeSource } from "../../runtime.ts";
import { execute } from "../../routing/executor.ts";
import { withoutRoutingHints } from "../../routing/hints.ts";
import { captureCompletion } from "../../telemetry/completion-capture.ts";
import type { GatewayMetrics } from "../../telemetry/metrics.ts";
import { redactSecrets, redactValue } from "../../telemetry/redact.ts";
import { readJsonBody } from "../body.ts";
import type { GatewayEnv } from "../context.ts";
import { admitChat } from "../rate-limit.ts";
import { recordReply } from "../record-reply.ts";
import { writeResult, type ReplyOutcome } from "../reply.ts";
import { validateChatRequest } from "../validate-chat.ts";

export interface ChatOptions {
  metrics?: GatewayMetrics | undefined;
}

export function chatCompletions(source: RuntimeSource, options: ChatOptions = {}): Handler<GatewayEnv> {
  const { metrics } = options;
  return async function chatCompletionsHandler(c) {
    const runtime = source.current;
    const { config } = runtime;
    const { incoming, outgoing } = c.env;
    const record = c.get("record");
    const body = await readJsonBody(incoming, config.raw.server.body_limit_bytes, config.raw.server.body_timeout_ms);
    const req = validateChatRequest(body);
    record.model = req.model;
    record.stream = req.stream === true;
    const logBodies = config.raw.logging.bodies;
    if (logBodies) record.messages = redactValue(req.messages);

    const decision = runtime.router.decide({
      req,
      key: c.get("key"),
      headers: incoming.headers,
      isHealthy: (provider) => runtime.breakers.allows(provider),
    });
    record.publicModel = decision.model.name;
    const reply = c.get("replyHeaders");
    record.sensitivity = decision.sensitivity;
    record.complexity = decision.complexity;
    if (decision.rule) {
      reply["x-llm-route"] = decision.rule;
      record.route = decision.rule;
    }
    if (decision.model.name !== req.model) record.servedModel = decision.model.name;

    const admission = await admitChat(runtime.limiter, {
      keyName: c.get("key")?.name,
      publicModel: decision.model.name,
      upstreamModel: decision.plan[0]?.model ?? decision.model.name,
      req,
      defaultMaxTokens: config.raw.limits.default_max_tokens,
      replyHeaders: reply,
    });

    const client = new AbortController();
    const onClose = () => {
      if (outgoing.writableFinished) return;
      record.clientGone = true;
      client.abort(new Error("client disconnected"));
    };
    outgoing.once("close", onClose);

    let outcome: ReplyOutcome | undefined;
    try {
      const waitStarted = performance.now();
      const execution = await execute(decision.plan, withoutRoutingHints(req), {
        requestId: c.get("requestId"),
        publicModel: decision.model.name,
        clientSignal: client.signal,
        images: config.raw.images,
        retry: runtime.retry,
        adapterFor: (provider) => runtime.adapters.get(provider),
        disabledReason: (provider) => runtime.unavailable.get(provider),
        breakers: runtime.breakers,
        onRetry: (provider, reason) => metrics?.retry(provider, reason),
        onFallback: (provider, reason) => metrics?.fallback(provider, reason),
      }).finally(() => (record.upstreamWaitMs = performance.now() - waitStarted));
      record.attempts = execution.attempts;
      record.provider = execution.target.provider;
      record.upstreamModel = execution.target.model;
      record.fallbacks = execution.fallbacks;
      reply["x-llm-provider"] = execution.target.provider;
      reply["x-llm-model"] = execution.target.model;
      reply["x-llm-fallbacks"] = String(execution.fallbacks);
      if (execution.warnings.length > 0) {
        reply["x-llm-warnings"] = execution.warnings.join("; ").replace(/[^\x20-\x7e]/g, "?");
        record.warnings = execution.warnings;
      }

      const result = logBodies ? captureCompletion(execution.result, (text) => (record.completion = redactSecrets(text))) : execution.result;
      const started = performance.now();
      outcome = await writeResult(outgoing, admission.meter(result), {
        includeUsage: req.stream_options?.include_usage === true,
        headers: reply,
        redact: runtime.redact,
      }).finally(() => execution.finish());
      record.status = outgoing.statusCode;
      recordReply(record, outcome, { writeStartedAt: started, writeEndedAt: performance.now(), servingAttemptMs: execution.attempts.at(-1)?.latencyMs }, decision.model.price);
      if (outcome.streamError) record.streamError = outcome.streamError.message;
      if (outcome.clientGone) {
        record.clientGone = true;
        record.error = "client disconnected";
      }
      return RESPONSE_ALREADY_SENT;
    } finally {
      outgoing.off("close", onClose);
      await admission.settle(outcome?.usage);
    }
  };
}
