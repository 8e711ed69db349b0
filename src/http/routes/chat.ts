// POST /v1/chat/completions: read once, validate, route, execute with fallback, write.
import type { Handler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { RuntimeSource } from "../../runtime.ts";
import { execute } from "../../routing/executor.ts";
import { readJsonBody } from "../body.ts";
import type { GatewayEnv } from "../context.ts";
import { writeResult } from "../reply.ts";
import { validateChatRequest } from "../validate-chat.ts";

export function chatCompletions(source: RuntimeSource): Handler<GatewayEnv> {
  return async function chatCompletionsHandler(c) {
    const runtime = source.current;
    const { config } = runtime;
    const { incoming, outgoing } = c.env;
    const record = c.var.record;
    const body = await readJsonBody(incoming, config.raw.server.body_limit_bytes);
    const req = validateChatRequest(body);
    record.model = req.model;
    record.stream = req.stream === true;

    const decision = runtime.router.decide({
      req,
      key: c.var.key,
      headers: incoming.headers,
      isHealthy: (provider) => runtime.breakers.allows(provider),
    });
    const reply = c.var.replyHeaders;
    record.sensitivity = decision.sensitivity;
    record.complexity = decision.complexity;
    if (decision.rule) {
      reply["x-llm-route"] = decision.rule;
      record.route = decision.rule;
    }
    if (decision.model.name !== req.model) record.servedModel = decision.model.name;

    const client = new AbortController();
    const onClose = () => {
      if (!outgoing.writableFinished) client.abort(new Error("client disconnected"));
    };
    outgoing.once("close", onClose);

    try {
      const execution = await execute(decision.plan, req, {
        requestId: c.var.requestId,
        publicModel: decision.model.name,
        clientSignal: client.signal,
        images: config.raw.images,
        retry: {
          retries: config.raw.resilience.retries,
          backoffMs: config.raw.resilience.backoff_ms,
          maxBackoffMs: config.raw.resilience.max_backoff_ms,
          retryAfterCapMs: config.raw.resilience.retry_after_cap_ms,
        },
        adapterFor: (provider) => runtime.adapters.get(provider),
        disabledReason: (provider) => runtime.unavailable.get(provider),
        breakers: runtime.breakers,
      });
      record.attempts = execution.attempts;
      record.provider = execution.target.provider;
      record.upstreamModel = execution.target.model;
      record.fallbacks = execution.fallbacks;
      reply["x-llm-provider"] = execution.target.provider;
      reply["x-llm-model"] = execution.target.model;
      reply["x-llm-fallbacks"] = String(execution.fallbacks);

      const started = performance.now();
      const outcome = await writeResult(outgoing, execution.result, {
        includeUsage: req.stream_options?.include_usage === true,
        headers: reply,
      }).finally(() => execution.finish());
      record.status = outgoing.statusCode;
      if (outcome.usage) {
        record.promptTokens = outcome.usage.prompt_tokens;
        record.completionTokens = outcome.usage.completion_tokens;
      }
      if (outcome.firstByteAt !== undefined && record.stream) record.ttftMs = Math.round(outcome.firstByteAt - started);
      if (outcome.streamError) record.streamError = outcome.streamError.message;
      if (outcome.clientGone) record.error = "client disconnected";
      return RESPONSE_ALREADY_SENT;
    } finally {
      outgoing.off("close", onClose);
    }
  };
}
