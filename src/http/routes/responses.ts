// The stored-Response routes of the Responses door: GET and DELETE `/responses/{id}`,
// `/responses/{id}/input_items`, and `POST /responses/input_tokens`. Answers are JSON from the
// store, or an upstream's answer relayed when the response is held there (the native lane).
import type { Context, Handler } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { sseFrame, SSE_HEADERS } from "../../dialects/openai-responses/reply.ts";
import { countInputTokens, deleteStored, getStored, listInputItems, type StoredAnswer, type StoredRequest } from "../../dialects/openai-responses/stored.ts";
import { writeChunk } from "../socket-write.ts";
import { numberField } from "../request-fields.ts";
import type { RuntimeSource } from "../../runtime.ts";
import { readJsonBody } from "../body.ts";
import type { GatewayEnv } from "../context.ts";
import { invalidRequest } from "../errors.ts";
import { relayedHeaders } from "../relay-response.ts";

/** Forwarded reads are small and quick: bounded well below a generation's timeout. */
const FORWARD_TIMEOUT_MS = 30_000;

function storedRequest(source: RuntimeSource, c: Context<GatewayEnv>): StoredRequest {
  const runtime = source.current;
  const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]);
  return {
    context: { runtime, key: c.get("key") },
    id: c.req.param("id") ?? "",
    options: { signal, requestId: c.get("requestId"), publicModel: "", defaultMaxTokens: undefined, images: runtime.config.raw.images },
  };
}

async function answer(c: Context<GatewayEnv>, answered: StoredAnswer): Promise<Response> {
  const headers = c.get("replyHeaders");
  if (answered.kind === "json") return c.json(answered.body as object, answered.status as 200, headers);
  const res = c.env.outgoing;
  if (answered.kind === "events") {
    res.writeHead(200, { ...headers, ...SSE_HEADERS });
    for (const event of answered.events) if (!(await writeChunk(res, sseFrame(event)))) return RESPONSE_ALREADY_SENT;
    res.end();
    return RESPONSE_ALREADY_SENT;
  }
  const { result } = answered;
  res.writeHead(result.status, { ...relayedHeaders(result.headers), ...headers });
  for await (const chunk of result.body) if (!(await writeChunk(res, chunk))) break;
  res.end();
  return RESPONSE_ALREADY_SENT;
}

export function getResponse(source: RuntimeSource): Handler<GatewayEnv> {
  return async function getResponseHandler(c) {
    const search = new URL(c.req.url).search;
    return answer(c, await getStored(storedRequest(source, c), { streamAfter: streamAfter(c), search }));
  };
}

/** `stream=true` replays the stored events after `starting_after` (a sequence number); otherwise JSON. */
function streamAfter(c: Context<GatewayEnv>): number | undefined {
  const stream = c.req.query("stream");
  if (stream !== undefined && stream !== "true" && stream !== "false") throw invalidRequest("stream must be true or false", "stream");
  // `starting_after` only positions a stream; a JSON read ignores it.
  if (stream !== "true") return undefined;
  const after = c.req.query("starting_after");
  if (after === undefined) return -1;
  return numberField({ starting_after: after.trim() === "" ? NaN : Number(after) }, "starting_after", "", { min: 0, integer: true });
}

export function deleteResponse(source: RuntimeSource): Handler<GatewayEnv> {
  return async function deleteResponseHandler(c) {
    return answer(c, await deleteStored(storedRequest(source, c)));
  };
}

export function responseInputItems(source: RuntimeSource): Handler<GatewayEnv> {
  return async function inputItemsHandler(c) {
    const url = new URL(c.req.url);
    const query = Object.fromEntries(url.searchParams);
    const limit = numberField({ limit: query["limit"] === undefined ? undefined : Number(query["limit"]) }, "limit", "", { min: 1, max: 100, integer: true }) ?? 20;
    const order = query["order"] ?? "desc";
    if (order !== "asc" && order !== "desc") throw invalidRequest("order must be asc or desc", "order");
    return answer(c, await listInputItems(storedRequest(source, c), { limit, order, after: query["after"], search: url.search }));
  };
}

export function responseInputTokens(source: RuntimeSource): Handler<GatewayEnv> {
  return async function inputTokensHandler(c) {
    const runtime = source.current;
    const { server } = runtime.config.raw;
    const body = await readJsonBody(c.env.incoming, server.body_limit_bytes, server.body_timeout_ms);
    return answer(c, await countInputTokens(body, { runtime, key: c.get("key") }));
  };
}
