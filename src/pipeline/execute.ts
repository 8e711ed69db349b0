// The execute step: run the plan through the executor (breakers, retries, fallback) with the
// operation, then put who served on the log record and the response headers.
import { execute, type Execution } from "../routing/executor.ts";
import type { RouteDecision } from "../routing/router.ts";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import type { Inbound } from "./inbound.ts";
import type { Operation } from "./operation.ts";

export async function executePlan<Req, Result>(
  operation: Operation<Req, Result>,
  req: Req,
  decision: RouteDecision,
  inbound: Inbound,
  clientSignal: AbortSignal,
  metrics: GatewayMetrics | undefined,
): Promise<Execution<Result>> {
  const { runtime, record } = inbound;
  const reply = inbound.replyHeaders;
  const waitStarted = performance.now();
  const execution = await execute(decision.plan, operation, operation.upstreamRequest(req), {
    requestId: inbound.requestId,
    publicModel: decision.model.name,
    clientSignal,
    images: runtime.config.raw.images,
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
  return execution;
}
