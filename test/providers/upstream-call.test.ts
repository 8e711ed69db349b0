// One upstream call through the pool's dispatcher with our own handler: a JSON answer comes back
// whole, an error answer with its body (empty when it broke off), an event stream as a Readable
// when the caller relays it; aborts reject with the signal's reason and close the upstream
// socket, whether they come before the request, mid-body or mid-stream.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerText, callUpstream } from "../../src/providers/upstream-call.ts";
import { createUpstreamPool, type UpstreamPool } from "../../src/providers/upstream-pool.ts";

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
let pool: UpstreamPool;
const routes = new Map<string, Route>();
/** Resolves when the server sees the socket of the named path's request close. */
const closed = new Map<string, () => void>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      req.socket.once("close", () => closed.get(path)?.());
      routes.get(path)?.(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  pool = createUpstreamPool();
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function socketClosed(path: string): Promise<void> {
  return new Promise((resolve) => closed.set(path, resolve));
}

const post = (signal: AbortSignal, relayStream = false) =>
  ({ method: "POST", headers: { "content-type": "application/json", "x-request-id": "r1" }, body: "{\"a\":1}", signal, relayStream }) as const;

describe("callUpstream", () => {
  it("sends the method, headers and body given, and reads a JSON answer whole", async () => {
    let seen: { method?: string | undefined; headers?: IncomingMessage["headers"]; body?: string } = {};
    routes.set("/json?x=1", (req, res, body) => {
      seen = { method: req.method, headers: req.headers, body };
      res.writeHead(200, { "content-type": "application/json", "openai-version": "v" });
      res.write("{\"b\":");
      setTimeout(() => res.end("2}"), 5);
    });
    const answer = await callUpstream(pool.dispatcher, new URL(`${base}/json?x=1`), post(new AbortController().signal, true));
    expect(answer.status).toBe(200);
    expect(answer.stream).toBeUndefined();
    expect(answer.body.toString()).toBe("{\"b\":2}");
    expect(answer.headers["openai-version"]).toBe("v");
    expect(seen.method).toBe("POST");
    expect(seen.body).toBe("{\"a\":1}");
    expect(seen.headers?.["x-request-id"]).toBe("r1");
    expect(seen.headers?.["content-type"]).toBe("application/json");
  });

  it("takes a URL as a string too, and a call with no body", async () => {
    routes.set("/get", (req, res) => res.end(req.method));
    const answer = await callUpstream(pool.dispatcher, `${base}/get`, { method: "GET", headers: {}, signal: new AbortController().signal });
    expect(answer.body.toString()).toBe("GET");
  });

  it("hands an error answer over with its headers and text, a byte order mark dropped", async () => {
    routes.set("/429", (_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "3" });
      res.end("\uFEFF{\"error\":{\"message\":\"slow down\"}}");
    });
    const answer = await callUpstream(pool.dispatcher, `${base}/429`, post(new AbortController().signal, true));
    expect(answer.status).toBe(429);
    expect(answer.headers["retry-after"]).toBe("3");
    expect(answer.stream).toBeUndefined();
    expect(answerText(answer)).toBe("{\"error\":{\"message\":\"slow down\"}}");
  });

  it("hands an error answer whose body broke off over with an empty body", async () => {
    routes.set("/500-broken", (_req, res) => {
      res.writeHead(500, { "content-type": "application/json", "content-length": "100" });
      res.write("{\"err");
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const answer = await callUpstream(pool.dispatcher, `${base}/500-broken`, post(new AbortController().signal));
    expect(answer.status).toBe(500);
    expect(answerText(answer)).toBe("");
  });

  it("relays an event stream as a Readable only when asked, and reads it whole otherwise", async () => {
    routes.set("/sse", (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      setTimeout(() => res.end("data: 2\n\n"), 5);
    });
    const relayed = await callUpstream(pool.dispatcher, `${base}/sse`, post(new AbortController().signal, true));
    expect(relayed.body.length).toBe(0);
    const chunks: string[] = [];
    for await (const chunk of relayed.stream ?? []) chunks.push(String(chunk));
    expect(chunks.join("")).toBe("data: 1\n\ndata: 2\n\n");
    const whole = await callUpstream(pool.dispatcher, `${base}/sse`, post(new AbortController().signal, false));
    expect(whole.stream).toBeUndefined();
    expect(whole.body.toString()).toBe("data: 1\n\ndata: 2\n\n");
  });

  it("rejects with the signal's reason when it fired before the call", async () => {
    routes.set("/never", () => {});
    const reason = new Error("gone");
    const answer = callUpstream(pool.dispatcher, `${base}/never`, post(AbortSignal.abort(reason)));
    await expect(answer).rejects.toBe(reason);
  });

  it("rejects with the signal's reason and closes the socket when it fires mid-body", async () => {
    const controller = new AbortController();
    routes.set("/slow-body", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{\"partial\":", () => setTimeout(() => controller.abort(new Error("client left")), 10));
    });
    const gone = socketClosed("/slow-body");
    const answer = callUpstream(pool.dispatcher, `${base}/slow-body`, post(controller.signal));
    await expect(answer).rejects.toThrow("client left");
    await gone;
  });

  it("rejects with the signal's reason and closes the socket while no header came", async () => {
    const controller = new AbortController();
    routes.set("/hang", () => setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), 10));
    const gone = socketClosed("/hang");
    const answer = callUpstream(pool.dispatcher, `${base}/hang`, post(controller.signal));
    await expect(answer).rejects.toMatchObject({ name: "TimeoutError" });
    await gone;
  });

  /** An event stream that sends one event and stays open. */
  const openStream = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n");
  };

  it("ends a relayed stream with the signal's reason and closes the socket when it fires mid-stream", async () => {
    routes.set("/sse-open", openStream);
    const gone = socketClosed("/sse-open");
    const controller = new AbortController();
    const answer = await callUpstream(pool.dispatcher, `${base}/sse-open`, post(controller.signal, true));
    const read = (async () => {
      for await (const chunk of answer.stream ?? []) if (String(chunk).includes("1")) controller.abort(new Error("client left"));
    })();
    await expect(read).rejects.toThrow("client left");
    await gone;
  });

  it("closes the socket when the reader of a relayed stream stops early", async () => {
    routes.set("/sse-reader", openStream);
    const gone = socketClosed("/sse-reader");
    const answer = await callUpstream(pool.dispatcher, `${base}/sse-reader`, post(new AbortController().signal, true));
    for await (const chunk of answer.stream ?? []) if (String(chunk).length > 0) break;
    await gone;
  });

  it("rejects with the socket error when the upstream refuses the connection", async () => {
    const answer = callUpstream(pool.dispatcher, "http://127.0.0.1:1/x", post(new AbortController().signal));
    await expect(answer).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("rejects with the socket error when the upstream resets mid-body", async () => {
    routes.set("/reset", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write("{\"a\"");
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const answer = callUpstream(pool.dispatcher, `${base}/reset`, post(new AbortController().signal));
    await expect(answer).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
  });
});
