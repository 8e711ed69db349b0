// Arm 2b: a bare undici pass-through proxy: node:http server, undici `request` over a keep-alive
// Agent with no connection cap, body streamed both ways, upstream aborted when the client leaves.
// The physical limit for a Node proxy, and the shape the gateway's OpenAI hot path uses.
import { createServer } from "node:http";
import { Agent } from "undici";
import { endToEnd } from "./hop-headers.ts";
import { armArgs, listen } from "./serve-arm.ts";

const args = armArgs();
const agent = new Agent({ connections: null, keepAliveTimeout: 10_000 });
const origin = args.upstream.origin;

const server = createServer((req, res) => {
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  agent
    .request({
      origin,
      path: req.url ?? "/",
      method: req.method === "POST" ? "POST" : (req.method as "GET"),
      headers: endToEnd(req.headers) as Record<string, string>,
      body: hasBody ? req : null,
      signal: abort.signal,
    })
    .then(
      (upstream) => {
        res.writeHead(upstream.statusCode, endToEnd(upstream.headers));
        upstream.body.pipe(res);
        upstream.body.on("error", () => res.destroy());
      },
      () => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end('{"error":{"message":"upstream failed"}}');
        else res.destroy();
      },
    );
});

await listen("undici-proxy", server, args);
