// Copies what a written reply showed into the request record: tokens, cost, and the stream
// timings. Nothing here runs per chunk: time to first token comes from the writer's first-byte
// mark, and inter-token latency is the stream's span after its first byte divided by the
// completion tokens that followed it (vLLM's "time per output token"), so it counts tokens,
// not network reads or chunks, which may each carry several tokens.
import { costUsd, type Price } from "../telemetry/cost.ts";
import type { RequestRecord } from "../telemetry/request-record.ts";
import type { WriteOutcome } from "./front-door.ts";

export interface ReplyTimes {
  /** performance.now() when the writer started (the serving call had just committed). */
  writeStartedAt: number;
  /** performance.now() when the writer returned (the last byte was handed to the socket). */
  writeEndedAt: number;
  /** The serving attempt's latency in the executor, until its response or first stream chunk. */
  servingAttemptMs: number | undefined;
}

export function recordReply(record: RequestRecord, reply: WriteOutcome, times: ReplyTimes, price: Price | undefined): void {
  if (reply.usage) {
    const completion = reply.usage.completion_tokens;
    record.promptTokens = reply.usage.prompt_tokens;
    if (completion !== undefined) record.completionTokens = completion;
    const cost = costUsd(price, reply.usage);
    if (cost !== undefined) record.costUsd = cost;
  }
  // A JSON body was complete when the executor returned; a stream keeps the upstream busy until its end.
  const delivery = record.stream ? times.writeEndedAt - times.writeStartedAt : 0;
  if (times.servingAttemptMs !== undefined) record.upstreamMs = times.servingAttemptMs + delivery;
  record.upstreamWaitMs = (record.upstreamWaitMs ?? 0) + delivery;
  if (!record.stream || reply.firstByteAt === undefined) return;
  if (record.startedAt !== undefined) record.ttftMs = reply.firstByteAt - record.startedAt;
  const tokens = reply.usage?.completion_tokens ?? 0;
  const complete = !reply.streamError && !reply.clientGone;
  if (complete && tokens > 1) record.interTokenMs = (times.writeEndedAt - reply.firstByteAt) / (tokens - 1);
}
