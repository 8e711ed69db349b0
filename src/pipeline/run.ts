// One request's life, whatever the front door and operation:
//   route (classify, rules, plan, policy) → cache lookup → admit (limits and budget hold, one
//   atomic store call) → execute (breakers, retries, fallback) → cache store → write (the door encodes) → record.
// The door has already parsed the body into `req`; errors thrown here are rendered by the
// app's error handler in the door's envelope.
import type { RoutedRequest } from "../routing/router.ts";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import { admit } from "./admit.ts";
import { noCache, type CacheHit, type CacheQuery, type ResponseCache } from "./cache-seam.ts";
import { executePlan } from "./execute.ts";
import type { FrontDoor, WriteOutcome } from "./front-door.ts";
import type { Inbound } from "./inbound.ts";
import { recordReply } from "./record.ts";
import { route } from "./route.ts";

export interface PipelineDeps {
  readonly metrics?: GatewayMetrics | undefined;
  readonly cache?: ResponseCache | undefined;
}

export async function runPipeline<Req extends RoutedRequest, Result>(
  door: FrontDoor<Req, Result>,
  req: Req,
  inbound: Inbound,
  deps: PipelineDeps,
): Promise<void> {
  const { runtime, record, res } = inbound;
  const { config } = runtime;
  const { operation } = door;
  const reply = inbound.replyHeaders;
  record.model = req.model;
  record.stream = door.streams(req);
  const logBodies = config.raw.logging.bodies;
  if (logBodies) door.logBody(req, record);

  const decision = route(req, operation.kind, inbound);
  const cache = deps.cache ?? noCache;
  const query: CacheQuery<Req> = { req, decision, keyName: inbound.key?.name, headers: inbound.headers };
  const lookup = cache.lookup(operation, query);
  const hit = lookup === undefined ? undefined : await lookup;

  const admission = await admit(runtime.limiter, {
    operation,
    req,
    keyName: inbound.key?.name,
    model: decision.model,
    upstreamModel: decision.plan[0]?.model ?? decision.model.name,
    defaultMaxTokens: config.raw.limits.default_max_tokens,
    cached: hit !== undefined,
    replyHeaders: reply,
  });
  let outcome: WriteOutcome | undefined;
  const client = new AbortController();
  const onClose = () => {
    if (res.writableFinished) return;
    record.clientGone = true;
    client.abort(new Error("client disconnected"));
  };
  res.once("close", onClose);
  try {
    if (hit) {
      outcome = await writeHit(door, req, hit, inbound);
      return;
    }
    const execution = await executePlan(operation, req, decision, inbound, client.signal, deps.metrics);
    const fresh = logBodies ? door.logOutput(execution.result, record) : execution.result;
    const result = cache.store(operation, query, fresh, execution.fallbacks);
    const started = performance.now();
    outcome = await door.write(res, operation.meter(result, admission), { req, headers: reply, redact: runtime.redact }).finally(() => execution.finish());
    record.status = res.statusCode;
    const times = { writeStartedAt: started, writeEndedAt: performance.now(), servingAttemptMs: execution.attempts.at(-1)?.latencyMs };
    recordReply(record, outcome, times, decision.model.price);
    if (outcome.streamError) record.streamError = outcome.streamError.message;
    if (outcome.clientGone) {
      record.clientGone = true;
      record.error = "client disconnected";
    }
  } finally {
    res.off("close", onClose);
    await admission.settle(outcome?.usage, outcome !== undefined);
  }
}

/** A cached answer costs no tokens: the admission is charged nothing but the request. */
async function writeHit<Req, Result>(door: FrontDoor<Req, Result>, req: Req, hit: CacheHit<Result>, inbound: Inbound): Promise<WriteOutcome> {
  const headers = inbound.replyHeaders;
  headers["x-llm-cache"] = "hit";
  headers["age"] = String(Math.floor(hit.ageSeconds));
  const outcome = await door.write(inbound.res, hit.result, { req, headers, redact: inbound.runtime.redact });
  inbound.record.status = inbound.res.statusCode;
  return { ...outcome, usage: { prompt_tokens: 0, completion_tokens: 0 } };
}
