// Arm 3: a minimal Hono + global `fetch` pass-through on @hono/node-server: the shape of
// Portkey's gateway (read the client body, fetch the upstream, return the upstream Response,
// whose Web stream @hono/node-server relays to the Node response).
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import type { Server } from "node:http";
import { forwardHeaders } from "./hop-headers.ts";
import { armArgs, listen } from "./serve-arm.ts";

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
  return new Response(upstream.body, { status: upstream.status, headers: forwardHeaders(upstream.headers) });
});
app.onError((_err, c) => c.json({ error: { message: "upstream failed" } }, 502));

const server = createAdaptorServer({ fetch: app.fetch }) as Server;
await listen("hono-fetch-proxy", server, args);
