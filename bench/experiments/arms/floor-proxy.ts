// Floor experiment arm: the least a policy-enforcing gateway must do per JSON request, and no
// more: read the client's body whole, parse it once, set `model`, serialise it, call upstream
// with undici `request`, read the answer whole, answer with content-length and a request id.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { Agent, request } from "undici";
import { armArgs, listen } from "../../arms/serve-arm.ts";

const args = armArgs();
const agent = new Agent({ connections: null, keepAliveTimeout: 10_000 });
const origin = args.upstream.origin;

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
  body["model"] = String(body["model"]);
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const name of ["anthropic-version", "anthropic-beta", "authorization"]) {
    const v = req.headers[name];
    if (typeof v === "string") headers[name] = v;
  }
  try {
    const up = await request(origin + (req.url ?? "/"), { dispatcher: agent, method: "POST", headers, body: JSON.stringify(body), signal: abort.signal });
    const out: Buffer[] = [];
    for await (const c of up.body) out.push(c as Buffer);
    const buf = Buffer.concat(out);
    res.writeHead(up.statusCode, { "content-type": "application/json", "content-length": buf.length, "request-id": randomUUID() }).end(buf);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
  }
}

const server = createServer((req, res) => void serve(req, res));

await listen("floor-proxy", server, args);
