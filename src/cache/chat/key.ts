// The chat entry key: the scope, then every field of the request as it goes upstream, sorted,
// except those that never change the answer. Unknown fields go upstream unchanged, so they are
// in the key too.
import type { Api } from "../../pipeline/front-door.ts";
import type { ChatRequest } from "../../providers/types.ts";
import { scopedHash, writeFields } from "../key.ts";
import type { RequestPolicy } from "../policy.ts";

/**
 * Transport and bookkeeping: how the answer is delivered (`stream`, `stream_options`), who
 * asked (`user`, `safety_identifier`, `metadata`), and upstream storage or billing settings.
 * `model` is replaced by the public model in the scope (what `auto` resolved to).
 */
const NOT_IN_KEY: ReadonlySet<string> = new Set([
  "model",
  "stream",
  "stream_options",
  "user",
  "safety_identifier",
  "metadata",
  "store",
  "service_tier",
  "prompt_cache_key",
  "prompt_cache_retention",
]);

/**
 * `api` is the front door: the Messages and Responses doors key their translated chat under
 * their own name, so an entry is only ever rendered by the door whose request made it.
 */
export function chatKey(policy: RequestPolicy, upstreamReq: ChatRequest, api: Api): string {
  const hash = scopedHash({ operation: api === "chat" ? "chat" : `chat@${api}`, namespace: policy.namespace, sensitivity: policy.sensitivity, publicModel: policy.publicModel });
  writeFields(hash, upstreamReq, NOT_IN_KEY);
  return hash.key();
}
