// The per-request state every middleware and route shares, typed once.
import type { HttpBindings } from "@hono/node-server";
import type { ResolvedKey } from "../config/types.ts";
import type { RequestRecord } from "../telemetry/request-record.ts";

export type { RequestRecord };

export interface GatewayEnv {
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    /** Headers every response carries (request id, rate limits, routing), whoever writes it. */
    replyHeaders: Record<string, string>;
    key: ResolvedKey | undefined;
    record: RequestRecord;
  };
}
