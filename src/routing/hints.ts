// `metadata.sensitivity` and `metadata.complexity` are instructions to the gateway, not to the
// model: they are read by classification and taken out before the request goes upstream, so a
// provider never sees how the request was classified (and an upstream that only accepts
// metadata with `store` is not tripped by them).
import type { ChatRequest } from "../providers/types.ts";

export const ROUTING_HINTS: readonly string[] = ["sensitivity", "complexity"];

export function withoutRoutingHints(req: ChatRequest): ChatRequest {
  const metadata = (req as { metadata?: unknown }).metadata;
  if (typeof metadata !== "object" || metadata === null) return req;
  if (!ROUTING_HINTS.some((hint) => hint in metadata)) return req;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([name]) => !ROUTING_HINTS.includes(name)));
  const { metadata: _metadata, ...rest } = req;
  return Object.keys(kept).length > 0 ? { ...rest, metadata: kept } : rest;
}
