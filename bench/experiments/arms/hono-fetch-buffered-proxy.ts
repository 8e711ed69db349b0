// Tail experiment variant: arm 3 (Hono + fetch) except that a JSON answer is read whole before
// it is returned, so @hono/node-server writes it in one go instead of reading the upstream body
// as a Web stream (its first-chunks probe can wait a setTimeout tick). Streams stay streams.
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import type { Server } from "node:http";
import { forwardHeaders } from "../../arms/hop-headers.ts";
import { armArgs, listen } from "../../arms/serve-arm.ts";

const args = armArgs();
const origin = args.upstream.origin;

const app = new Hono();
app.all("*", async (c) => {
  const incoming = c.req.raw;
  const url = new URL(incoming.url);
  const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
  const upstream = await fetch(origin + url.pathname + url.search, {
    method: incoming.method,
    headers: forwardHeaders(incoming.headers),
    body: hasBody ? await c.req.text() : null,
    signal: incoming.signal,
  });
  const headers = forwardHeaders(upstream.headers);
  const isJson = (upstream.headers.get("content-type") ?? "").includes("application/json");
  return new Response(isJson ? await upstream.arrayBuffer() : upstream.body, { status: upstream.status, headers });
});
app.onError((_err, c) => c.json({ error: { message: "upstream failed" } }, 502));

await listen("hono-fetch-buffered-proxy", createAdaptorServer({ fetch: app.fetch }) as Server, args);
