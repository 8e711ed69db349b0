// Arm 2a: a bare node:http pass-through proxy (keep-alive agent, no socket cap, bytes piped
// both ways, upstream aborted when the client goes away). The floor for node:http on both sides.
import { Agent, createServer, request } from "node:http";
import { endToEnd } from "./hop-headers.ts";
import { armArgs, listen } from "./serve-arm.ts";

const args = armArgs();
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
const host = args.upstream.hostname;
const port = Number(args.upstream.port);

const server = createServer((req, res) => {
  const upstream = request({ host, port, agent, method: req.method, path: req.url, headers: endToEnd(req.headers) }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
    upRes.pipe(res);
  });
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end('{"error":{"message":"upstream failed"}}');
    else res.destroy();
  });
  // a client that leaves mid-request or mid-stream must not leave the upstream call running
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
});

await listen("node-http-proxy", server, args);
