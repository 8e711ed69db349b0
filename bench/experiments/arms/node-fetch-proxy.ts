// Tail experiment variant: a plain node:http server (no Hono, no @hono/node-server) that calls
// the upstream with global `fetch` and copies the Web stream body to the Node response.
import { createServer } from "node:http";
import { isHopByHop } from "../../arms/hop-headers.ts";
import { armArgs, listen } from "../../arms/serve-arm.ts";

const args = armArgs();
const origin = args.upstream.origin;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && !isHopByHop(name)) headers.set(name, value);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    fetch(origin + (req.url ?? "/"), { method: req.method ?? "GET", headers, body: hasBody ? Buffer.concat(chunks) : null, signal: abort.signal })
      .then(async (upstream) => {
        const out: Record<string, string> = {};
        upstream.headers.forEach((value, name) => {
          if (!isHopByHop(name)) out[name] = value;
        });
        res.writeHead(upstream.status, out);
        if (upstream.body) for await (const chunk of upstream.body) res.write(chunk);
        res.end();
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
  });
});

await listen("node-fetch-proxy", server, args);
