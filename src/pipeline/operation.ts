// An operation is what one request asks of a target once routed: a chat completion or
// embeddings. The executor runs it per target; the pipeline asks it what to reserve against
// token limits. Operations are static objects, so a request allocates no closures for them.
import type { ModelKind } from "../config/types.ts";
import type { PromptBound } from "../limits/tokens.ts";
import type { TargetOperation } from "../routing/executor.ts";
import type { Admission } from "./admit.ts";
import type { TranslatedLane } from "./cache-seam.ts";

export interface Operation<Req, Result> extends TargetOperation<Req, Result> {
  /** The kind of public model it needs. */
  readonly kind: ModelKind;
  /** The request as upstreams get it: the gateway's own routing hints taken out. */
  upstreamRequest(req: Req): Req;
  /** Prompt tokens, estimated for `model`'s tokenizer; called only when a token limit applies. */
  promptTokens(req: Req, model: string): number;
  /** A cheap upper bound of promptTokens when computing that costs more; see AdmitRequest.countPromptTokens. */
  promptTokenBound?(req: Req, model: string): PromptBound | undefined;
  /** Completion tokens to reserve (`defaultMaxTokens` when the request sets no budget). */
  completionBudget(req: Req, defaultMaxTokens: number): number;
  /** Wraps a result so that output delivered without usage (a cut stream) is charged. */
  meter(result: Result, admission: Admission): Result;
  /** For a door whose chat is served on a translated lane: how the response cache reads it. */
  readonly translatedLane?: TranslatedLane<Req, Result>;
}
