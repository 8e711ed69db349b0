// Tail experiment variant: the Hono + @hono/node-server server side of arm 3, with undici
// `request` instead of `fetch` for the upstream call (the body still crosses into a Web stream
// for the Response that Hono returns).
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import type { Server } from "node:http";
import { Readable } from "node:stream";
import { Agent } from "undici";
import { endToEnd } from "../../arms/hop-headers.ts";
import { armArgs, listen } from "../../arms/serve-arm.ts";

const args = armArgs();
const origin = args.upstream.origin;
const agent = new Agent({ connections: null, keepAliveTimeout: 10_000 });

const app = new Hono();
app.all("*", async (c) => {
  const incoming = c.req.raw;
  const url = new URL(incoming.url);
  const upstream = await agent.request({
    origin,
    path: url.pathname + url.search,
    method: incoming.method === "GET" ? "GET" : "POST",
    headers: endToEnd(Object.fromEntries(incoming.headers)) as Record<string, string>,
    body: incoming.method === "GET" ? null : await c.req.text(),
    signal: incoming.signal,
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(endToEnd(upstream.headers))) if (typeof value === "string") headers.set(name, value);
  return new Response(Readable.toWeb(upstream.body) as ReadableStream<Uint8Array>, { status: upstream.statusCode, headers });
});

await listen("hono-undici-proxy", createAdaptorServer({ fetch: app.fetch }) as Server, args);
