// API keys from `Authorization: Bearer` or `x-api-key`. A key not seen yet is hashed and looked
// up by digest, then the digests are compared in constant time: lookup cost does not depend on
// how much of a key an attacker guessed.
import { hash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { MiddlewareHandler } from "hono";
import type { ResolvedKey } from "../../config/types.ts";
import type { GatewayEnv, RequestRecord } from "../context.ts";
import { GatewayError } from "../errors.ts";

export function authenticate(keys: () => ReadonlyMap<string, ResolvedKey> | undefined): MiddlewareHandler<GatewayEnv> {
  return async function authMiddleware(c, next) {
    c.set("key", keyOf(keys(), c.env.incoming.headers, c.get("record")));
    return next();
  };
}

/**
 * The caller's key, noted on the record; undefined when the gateway runs without keys.
 * Throws the 401 when a key table exists and the request has no key or a wrong one.
 */
export function keyOf(table: ReadonlyMap<string, ResolvedKey> | undefined, headers: IncomingHttpHeaders, record: RequestRecord): ResolvedKey | undefined {
  if (!table) return undefined;
  const presented = presentedKey(headers);
  if (presented === undefined) {
    throw new GatewayError(401, "authentication_error", "You didn't provide an API key. Send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'.", {
      code: "missing_api_key",
      retryable: false,
    });
  }
  const found = recentlyAccepted(table).get(presented) ?? verify(table, presented);
  if (!found) {
    throw new GatewayError(401, "authentication_error", "Incorrect API key provided.", { code: "invalid_api_key", retryable: false });
  }
  record.keyName = found.name;
  return found;
}

/**
 * Keys that passed verification, per key table (a reload brings a new table), so a busy key is
 * hashed once rather than on every request. Only accepted keys are remembered and the map is
 * bounded, so guesses cannot grow it.
 */
const accepted = new WeakMap<ReadonlyMap<string, ResolvedKey>, Map<string, ResolvedKey>>();
const MAX_REMEMBERED = 1024;

function recentlyAccepted(table: ReadonlyMap<string, ResolvedKey>): Map<string, ResolvedKey> {
  let remembered = accepted.get(table);
  if (!remembered) {
    remembered = new Map();
    accepted.set(table, remembered);
  }
  return remembered;
}

function verify(table: ReadonlyMap<string, ResolvedKey>, presented: string): ResolvedKey | undefined {
  const digest = hash("sha256", presented, "buffer");
  const found = table.get(digest.toString("hex"));
  if (!found || !timingSafeEqual(digest, found.digestBytes)) return undefined;
  const remembered = recentlyAccepted(table);
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(presented, found);
  return found;
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers["authorization"];
  if (typeof auth === "string") {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match?.[1]) return match[1].trim();
  }
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey.trim() !== "") return apiKey.trim();
  return undefined;
}
