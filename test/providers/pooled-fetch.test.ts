// The fetch handed to SDKs: the global fetch's contract, over the adapter's own pool.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pooledFetch } from "../../src/providers/pooled-fetch.ts";

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(JSON.stringify({ method: req.method, path: req.url, auth: req.headers["x-api-key"], body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("pooledFetch", () => {
  it("sends method, headers and body, and answers with a global Response", async () => {
    const agent = new Agent();
    const res = await pooledFetch(agent)(`${origin}/v1/messages`, { method: "POST", headers: { "x-api-key": "k" }, body: '{"q":1}' });
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(201);
    expect(res.headers.get("x-upstream")).toBe("yes");
    expect(await res.json()).toEqual({ method: "POST", path: "/v1/messages", auth: "k", body: '{"q":1}' });
    await agent.close();
  });

  it("takes a Request's URL", async () => {
    const agent = new Agent();
    const res = await pooledFetch(agent)(new Request(`${origin}/models?page=2`));
    expect(await res.json()).toMatchObject({ method: "GET", path: "/models?page=2" });
    await agent.close();
  });

  it("goes through the given pool: once it is closed, nothing is sent", async () => {
    const agent = new Agent();
    await agent.close();
    await expect(pooledFetch(agent)(`${origin}/v1/messages`)).rejects.toThrow();
  });
});
