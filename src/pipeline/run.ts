// One request's life, whatever the front door and operation:
//   route (classify, rules, plan, policy) → cache lookup → admit (limits and budget hold, one
//   atomic store call) → execute (breakers, retries, fallback) → cache store → write (the door encodes) → record.
// The door has already parsed the body into `req`; errors thrown here are rendered by the
// app's error handler in the door's envelope.
import type { Execution } from "../routing/executor.ts";
import { ClientLink } from "../routing/target-call.ts";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import { admit, type Admission } from "./admit.ts";
import { noCache, type CacheHit, type CacheTicket, type ResponseCache } from "./cache-seam.ts";
import { executePlan, noteServed } from "./execute.ts";
import type { FrontDoor, WriteOutcome } from "./front-door.ts";
import type { Inbound } from "./inbound.ts";
import { recordReply } from "./record.ts";
import { route } from "./route.ts";

export interface PipelineDeps {
  readonly metrics?: GatewayMetrics | undefined;
  readonly cache?: ResponseCache | undefined;
}

export async function runPipeline<Req, Result>(
  door: FrontDoor<Req, Result>,
  req: Req,
  inbound: Inbound,
  deps: PipelineDeps,
): Promise<void> {
  const { runtime, record, res } = inbound;
  const { config } = runtime;
  const { operation } = door;
  const reply = inbound.replyHeaders;
  const routed = door.routed(req);
  record.model = routed.req.model;
  record.stream = door.streams(req);
  const logBodies = config.raw.logging.bodies;
  if (logBodies) door.logBody(req, record);

  const decision = route(routed, operation.kind, inbound);
  const client = new ClientLink();
  const onClose = () => {
    if (res.writableFinished) return;
    record.clientGone = true;
    client.leave(new Error("client disconnected"));
  };
  res.on("close", onClose);
  let admission: Admission | undefined;
  let outcome: WriteOutcome | undefined;
  let ticket: CacheTicket<Req, Result> | undefined;
  try {
    const opening = (deps.cache ?? noCache).open(operation, { req, api: door.api, decision, keyName: inbound.key?.name, headers: inbound.headers, signal: client.signal, adapters: runtime.adapters });
    ticket = opening instanceof Promise ? await opening : opening;
    if (ticket) {
      reply["x-llm-cache"] = ticket.status;
      if (ticket.served !== undefined) reply["x-llm-cache-hits"] = ticket.served;
      record.cache = ticket.status;
    }
    const hit = ticket?.hit;
    const admitting = admit(runtime.limiter, {
      operation,
      req,
      cached: hit !== undefined,
      keyName: inbound.key?.name,
      model: decision.model,
      upstreamModel: decision.plan[0]?.model ?? decision.model.name,
      defaultMaxTokens: config.raw.limits.default_max_tokens,
      replyHeaders: reply,
    });
    admission = admitting instanceof Promise ? await admitting : admitting;
    if (hit) {
      outcome = await writeHit(door, req, hit, inbound);
      return;
    }
    const waitStarted = performance.now();
    let execution: Execution<Result>;
    try {
      execution = await executePlan(operation, ticket?.req ?? req, decision, inbound, client, deps.metrics);
    } finally {
      record.upstreamWaitMs = performance.now() - waitStarted;
    }
    noteServed(execution, inbound);
    const fresh = logBodies ? door.logOutput(execution.result, record) : execution.result;
    const result = ticket ? ticket.store(fresh, execution) : fresh;
    ticket = undefined;
    const started = performance.now();
    try {
      outcome = await door.write(res, operation.meter(result, admission), { req, headers: reply, redact: runtime.redact });
    } finally {
      execution.finish();
    }
    record.status = res.statusCode;
    const times = { writeStartedAt: started, writeEndedAt: performance.now(), servingAttemptMs: execution.attempts.at(-1)?.latencyMs };
    recordReply(record, outcome, times, decision.model.price);
    if (outcome.streamError) record.streamError = outcome.streamError.message;
    if (outcome.clientGone) {
      record.clientGone = true;
      record.error = "client disconnected";
    }
  } finally {
    // A ticket still held here got no answer to store: requests waiting on it go on alone.
    ticket?.abandon();
    res.off("close", onClose);
    if (admission) await admission.settle(outcome?.usage, outcome !== undefined);
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
