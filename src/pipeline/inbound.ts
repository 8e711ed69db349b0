// One request as the transport hands it to the pipeline: the runtime it started with, who
// sent it, where the answer goes, and the record its log line is written from.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { ResolvedKey } from "../config/types.ts";
import type { Runtime } from "../runtime.ts";
import type { RequestRecord } from "../telemetry/request-record.ts";

export interface Inbound {
  /** Taken once when the request arrived: a reload never changes a request mid-flight. */
  readonly runtime: Runtime;
  readonly requestId: string;
  readonly key: ResolvedKey | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly res: ServerResponse;
  readonly record: RequestRecord;
  /** Headers every response of this request carries, whoever writes it. */
  readonly replyHeaders: Record<string, string>;
}
