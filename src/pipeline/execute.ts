// The execute step: run the plan through the executor (breakers, retries, fallback) with the
// operation, then put who served on the log record and the response headers.
import type { ImagePolicy } from "../providers/images.ts";
import type { ProviderAdapter } from "../providers/types.ts";
import type { BreakerRegistry } from "../resilience/breakers.ts";
import { execute, type Execution, type ExecutionContext, type RetryPolicy } from "../routing/executor.ts";
import type { RouteDecision } from "../routing/router.ts";
import type { ClientLink } from "../routing/target-call.ts";
import type { Runtime } from "../runtime.ts";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import type { Inbound } from "./inbound.ts";
import type { Operation } from "./operation.ts";

/**
 * Starts the plan; `noteServed` puts its outcome on the record and headers. Two steps, not
 * one async function: the caller's await is the only promise layer around the executor's.
 */
export function executePlan<Req, Result>(
  operation: Operation<Req, Result>,
  req: Req,
  decision: RouteDecision,
  inbound: Inbound,
  client: ClientLink,
  metrics: GatewayMetrics | undefined,
): Promise<Execution<Result>> {
  return execute(decision.plan, operation, operation.upstreamRequest(req), new RequestExecution(inbound.requestId, decision.model.name, client, inbound.runtime, metrics));
}

/** Who served, on the log record and the response headers. */
export function noteServed(execution: Execution<unknown>, inbound: Inbound): void {
  const { record } = inbound;
  const reply = inbound.replyHeaders;
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
}

/** What the executor reads of one request and the runtime it started with: methods, not a closure each. */
class RequestExecution implements ExecutionContext {
  readonly requestId: string;
  readonly publicModel: string;
  readonly client: ClientLink;
  readonly images: ImagePolicy;
  readonly retry: RetryPolicy;
  readonly breakers: BreakerRegistry;
  private readonly runtime: Runtime;
  private readonly metrics: GatewayMetrics | undefined;

  constructor(requestId: string, publicModel: string, client: ClientLink, runtime: Runtime, metrics: GatewayMetrics | undefined) {
    this.requestId = requestId;
    this.publicModel = publicModel;
    this.client = client;
    this.images = runtime.config.raw.images;
    this.retry = runtime.retry;
    this.breakers = runtime.breakers;
    this.runtime = runtime;
    this.metrics = metrics;
  }

  adapterFor(provider: string): ProviderAdapter | undefined {
    return this.runtime.adapters.get(provider);
  }

  disabledReason(provider: string): string | undefined {
    return this.runtime.unavailable.get(provider);
  }

  onRetry(provider: string, reason: string): void {
    this.metrics?.retry(provider, reason);
  }

  onFallback(provider: string, reason: string): void {
    this.metrics?.fallback(provider, reason);
  }
}
