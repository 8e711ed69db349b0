// Runs a plan: each target in order, each with retries (exponential backoff, full jitter,
// Retry-After honored up to a cap), falling through to the next target on faults another
// target could fix. What one attempt is (a chat call, an embeddings call) is the operation's:
// the executor only sees a promise that resolves once the answer is committed (the chat
// operation commits a stream at its first output, so a stream that fails before its first
// byte still falls back).
import type { ConcreteTarget } from "../config/types.ts";
import { backoffDelay, sleep } from "../resilience/backoff.ts";
import { UpstreamError } from "../providers/errors.ts";
import type { ImagePolicy } from "../providers/images.ts";
import type { CallOptions, ProviderAdapter } from "../providers/types.ts";
import { GatewayInputError } from "../providers/input-error.ts";
import { BreakerOpenError, uncounted } from "../resilience/breakers.ts";
import { isProviderSideStatus, PlanFailedError } from "./plan-failed.ts";
import { ClientGone, TargetCall, type ClientLink } from "./target-call.ts";

export interface RetryPolicy {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly retryAfterCapMs: number;
}

/** Per-provider circuit breakers as the executor sees them. */
export interface Breakers {
  /** False while the provider's breaker is open (a half-open breaker lets one trial through). */
  allows(provider: string): boolean;
  /** Runs one attempt through the provider's breaker; only upstream faults count against it. */
  run<T>(provider: string, attempt: () => Promise<T>): Promise<T>;
  /**
   * The counter of a closed breaker, for a call the executor awaits itself (no wrapper, closure
   * or promise per call); undefined when the call must go through `run` (half-open, open).
   */
  counter(provider: string): BreakerCounter | undefined;
}

/** Counts one call through a closed breaker: `fired` before it, then `succeeded` or `failed`. */
export interface BreakerCounter {
  fired(): void;
  succeeded(result: unknown, latencyMs: number): void;
  failed(error: unknown, latencyMs: number): void;
}

export const noBreakers: Breakers = { allows: () => true, run: (_provider, attempt) => attempt(), counter: () => uncounted };

export type AttemptOutcome = "ok" | "error" | "skipped";

export interface Attempt {
  provider: string;
  model: string;
  outcome: AttemptOutcome;
  /** Why it failed or was skipped: the failure kind, "disabled", "breaker_open". */
  reason: string;
  status?: number;
  latencyMs: number;
}

/** One operation (chat, embeddings) as the executor runs it against one target. */
export interface TargetOperation<Req, Result> {
  /**
   * Calls one target; resolves once the answer is committed. Throws UpstreamError for upstream
   * faults and GatewayInputError when this target cannot take the request (it is skipped).
   */
  call(adapter: ProviderAdapter, req: Req, model: string, options: CallOptions): Promise<Result>;
}

export interface ExecutionContext {
  readonly requestId: string;
  readonly publicModel: string;
  /** The client's side of the request: its signal aborts when the client goes away. */
  readonly client: ClientLink;
  readonly images: ImagePolicy;
  readonly retry: RetryPolicy;
  adapterFor(provider: string): ProviderAdapter | undefined;
  /** Why a provider cannot serve (missing secret), or undefined. */
  disabledReason(provider: string): string | undefined;
  readonly breakers: Breakers;
  readonly random?: () => number;
  onRetry?(provider: string, reason: string): void;
  onFallback?(from: string, reason: string): void;
}

export interface Execution<Result> {
  result: Result;
  target: ConcreteTarget;
  attempts: Attempt[];
  /** Targets given up on before the one that served. */
  fallbacks: number;
  /** Ends the total timeout of the serving call; the writer calls it when the response is done. */
  finish(): void;
  /** Aborts the serving call (total timeout included) — e.g. the client left mid-stream. */
  signal: AbortSignal;
  /** Adjustments the serving adapter reported (for `x-llm-warnings`). */
  warnings: string[];
}

export async function execute<Req, Result>(
  plan: readonly ConcreteTarget[],
  operation: TargetOperation<Req, Result>,
  req: Req,
  ctx: ExecutionContext,
): Promise<Execution<Result>> {
  const attempts: Attempt[] = [];
  // Made on the first failure: a plan served at once needs none of them.
  let errors: UpstreamError[] | undefined;
  let skipped: string[] | undefined;
  // Targets that cannot take this request as given (an unsupported parameter): another target
  // in the chain may, so they are skipped; the client hears of it only if none could.
  let untranslatable: GatewayInputError[] | undefined;
  let fallbacks = 0;

  for (let index = 0; index < plan.length; index++) {
    const target = plan[index] as ConcreteTarget;
    const adapter = ctx.adapterFor(target.provider);
    const disabled = ctx.disabledReason(target.provider);
    if (disabled !== undefined || !adapter) {
      (skipped ??= []).push(disabled ?? `provider "${target.provider}" is not available`);
      attempts.push({ provider: target.provider, model: target.model, outcome: "skipped", reason: "disabled", latencyMs: 0 });
      continue;
    }
    const isLast = index === plan.length - 1;
    if (!ctx.breakers.allows(target.provider)) {
      (skipped ??= []).push(`provider "${target.provider}" circuit open`);
      attempts.push({ provider: target.provider, model: target.model, outcome: "skipped", reason: "breaker_open", latencyMs: 0 });
      if (!isLast) ctx.onFallback?.(target.provider, "breaker_open");
      fallbacks += 1;
      continue;
    }

    let reason = "error";
    for (let attempt = 0; attempt <= ctx.retry.retries; attempt++) {
      const started = performance.now();
      const call = new TargetCall(target, ctx, started);
      try {
        const counter = ctx.breakers.counter(target.provider);
        let result: Result;
        if (counter) {
          counter.fired();
          try {
            result = await operation.call(adapter, req, target.model, call);
          } catch (error) {
            const failure = attemptError(error, target, call);
            counter.failed(failure, performance.now() - started);
            throw failure;
          }
          call.answer();
          counter.succeeded(result, performance.now() - started);
        } else {
          result = await ctx.breakers.run(target.provider, () => attemptOnce(adapter, target, operation, req, call));
        }
        attempts.push({ provider: target.provider, model: target.model, outcome: "ok", reason: "ok", latencyMs: performance.now() - started });
        return new Served(result, target, attempts, fallbacks, call);
      } catch (thrown) {
        call.finish();
        if (thrown instanceof ClientGone || ctx.client.signal.aborted) throw clientGone(target.provider);
        if (thrown instanceof GatewayInputError) {
          (untranslatable ??= []).push(thrown);
          attempts.push({ provider: target.provider, model: target.model, outcome: "skipped", reason: "unsupported_request", latencyMs: 0 });
          reason = "unsupported_request";
          break;
        }
        if (thrown instanceof BreakerOpenError) {
          // Opened (or its half-open trial was taken) since we checked: skip like an open breaker.
          (skipped ??= []).push(thrown.message);
          attempts.push({ provider: target.provider, model: target.model, outcome: "skipped", reason: "breaker_open", latencyMs: 0 });
          reason = "breaker_open";
          break;
        }
        if (!(thrown instanceof UpstreamError)) {
          // Adapters throw UpstreamError for everything that went wrong in or after a call to
          // the upstream, so this was thrown before one went out (request translation, an SDK's
          // own checks): a fault of the gateway, not of the provider. Another try or target
          // would fail the same way and the breaker must not count it; the client gets a 500
          // with no internals and the log gets the stack.
          throw thrown;
        }
        const error = thrown;
        (errors ??= []).push(error);
        reason = reasonOf(error);
        attempts.push({
          provider: target.provider,
          model: target.model,
          outcome: "error",
          reason,
          status: error.status,
          latencyMs: performance.now() - started,
        });
        if (!error.retryable) {
          // A problem with the request itself would fail everywhere: stop here. A provider-side
          // refusal (credentials, model name) or a malformed answer is this target's own.
          if (!(error.failure === "malformed" || (error.failure === "http" && isProviderSideStatus(error.status)))) throw new PlanFailedError(errors, skipped ?? []);
          break;
        }
        if (attempt === ctx.retry.retries) break;
        const wait = retryWait(error, attempt, ctx);
        if (wait === undefined) break; // Retry-After beyond the cap: the next target is the better bet
        ctx.onRetry?.(target.provider, reason);
        try {
          await sleep(wait, ctx.client.signal);
        } catch {
          throw clientGone(target.provider);
        }
      }
    }
    if (!isLast) ctx.onFallback?.(target.provider, reason);
    fallbacks += 1;
  }
  const inputError = untranslatable?.[0];
  if (inputError && errors === undefined) throw inputError;
  throw new PlanFailedError(errors ?? [], [...(skipped ?? []), ...(untranslatable ?? []).map((e) => e.message)]);
}

/** The call that served, as the pipeline holds it: one object, `finish` on the prototype. */
class Served<Result> implements Execution<Result> {
  readonly result: Result;
  readonly target: ConcreteTarget;
  readonly attempts: Attempt[];
  readonly fallbacks: number;
  readonly signal: AbortSignal;
  readonly warnings: string[];
  private readonly call: TargetCall;

  constructor(result: Result, target: ConcreteTarget, attempts: Attempt[], fallbacks: number, call: TargetCall) {
    this.result = result;
    this.target = target;
    this.attempts = attempts;
    this.fallbacks = fallbacks;
    this.signal = call.signal;
    this.warnings = call.warnings;
    this.call = call;
  }

  finish(): void {
    this.call.finish();
  }
}

/** A bounded label for why an attempt failed: the failure kind, or `http_<status>`. */
function reasonOf(error: UpstreamError): string {
  return error.failure === "http" ? `http_${error.status}` : error.failure;
}

function retryWait(error: UpstreamError, attempt: number, ctx: ExecutionContext): number | undefined {
  const jitter = backoffDelay(attempt, ctx.retry.backoffMs, ctx.retry.maxBackoffMs, ctx.random);
  if (error.retryAfterMs === undefined) return jitter;
  if (error.retryAfterMs > ctx.retry.retryAfterCapMs) return undefined;
  return Math.max(error.retryAfterMs, jitter);
}

/** One call to one target through a breaker's `run`, bounded by the first-byte and total timeouts (TargetCall). */
async function attemptOnce<Req, Result>(
  adapter: ProviderAdapter,
  target: ConcreteTarget,
  operation: TargetOperation<Req, Result>,
  req: Req,
  call: TargetCall,
): Promise<Result> {
  try {
    const result = await operation.call(adapter, req, target.model, call);
    call.answer();
    return result;
  } catch (error) {
    throw attemptError(error, target, call);
  }
}

/** What a failed call throws: the client's leaving or a deadline, named as such; else the error itself. */
function attemptError(error: unknown, target: ConcreteTarget, call: TargetCall): unknown {
  if (call.clientLeft) return new ClientGone("client disconnected");
  const deadline = call.timedOut;
  if (!deadline) return error;
  return new UpstreamError({
    provider: target.provider,
    status: 504,
    failure: "timeout",
    message: `${deadline === "first_byte" ? "no response" : "not finished"} within ${call.limitMs(deadline)} ms`,
    cause: error,
  });
}

function clientGone(provider: string): UpstreamError {
  return new UpstreamError({ provider, status: 499, failure: "aborted", message: "client disconnected" });
}
