// The front doors' POST routes are served without Hono; every other request goes through it.
// A Host header Hono's adaptor has to normalize ("X") sends the same request down the Hono
// path, so each refusal is compared across both: status, headers, body and access line.
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

let upstream: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startOpenAIFake();
  gw = await startTestGateway({
    server: { host: "127.0.0.1", port: 0, body_limit_bytes: 4_096 },
    providers: {
      up: { type: "openai", api_key: "sk-up", base_url: `${upstream.origin}/v1` },
      local: { type: "openai", api_key: "sk-local", base_url: `${upstream.origin}/v1` },
    },
    models: {
      fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: { input_per_mtok: 2, output_per_mtok: 10 } },
      cloud: { targets: [{ provider: "up", model: "gpt-4o" }], price: { input_per_mtok: 2, output_per_mtok: 10 } },
    },
    routing: { rules: [{ name: "confidential-stays-local", when: { sensitivity: "confidential" }, allow_providers: ["local"] }] },
    keys: [
      { name: "budgeted", key: "sk-budgeted", budget: { usd: 1, period: "day" } },
      { name: "legal", key: "sk-legal", sensitivity: "confidential" },
    ],
    limits: { store: "memory", default_max_tokens: 100 },
    resilience: { retries: 0 },
  });
});
afterAll(() => stopAll(gw, upstream));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(host: string, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: gw.running.port, method: "POST", path, agent: false, headers: { host, ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** What must match across both paths: everything but the date. */
function comparable(answer: Answer) {
  const { date: _date, ...headers } = answer.headers;
  return { status: answer.status, headers, body: answer.body };
}

const chat = JSON.stringify({ model: "fast", messages: [{ role: "user", content: "hi" }] });
const cases: [name: string, path: string, headers: Record<string, string>, body: string][] = [
  ["no key, OpenAI envelope", "/v1/chat/completions", {}, chat],
  ["no key, Anthropic envelope", "/v1/messages", {}, chat],
  ["a wrong key, without /v1", "/embeddings", { authorization: "Bearer sk-wrong" }, chat],
  ["bad JSON with a budgeted key", "/v1/responses", { authorization: "Bearer sk-budgeted" }, "{nope"],
  ["a declared body over the limit", "/v1/messages/count_tokens", { "x-api-key": "sk-budgeted", "content-length": "9000" }, "x".repeat(9000)],
  ["an unknown model, with a query", "/v1/chat/completions?x=1", { authorization: "Bearer sk-budgeted" }, JSON.stringify({ model: "nope", messages: [{ role: "user", content: "hi" }] })],
  ["a policy refusal", "/chat/completions", { authorization: "Bearer sk-legal" }, JSON.stringify({ model: "cloud", messages: [{ role: "user", content: "hi" }] })],
];

describe("the direct door listener", () => {
  it.each(cases)("answers %s as the Hono path does", async (_name, path, headers, body) => {
    const requestId = `parity-${Math.random().toString(36).slice(2)}`;
    const given = { "content-type": "application/json", "x-request-id": requestId, ...headers };
    const direct = await send("x", path, given, body);
    const viaHono = await send("X", path, given, body);
    expect(direct.status).toBeGreaterThanOrEqual(400);
    expect(direct.headers["x-request-id"]).toBe(requestId);
    expect(comparable(direct)).toEqual(comparable(viaHono));
    const lines = () => requestLines(gw).filter((line) => line["requestId"] === requestId);
    await eventually(() => expect(lines()).toHaveLength(2));
    const [one, two] = lines() as [Record<string, unknown>, Record<string, unknown>];
    const { latencyMs: _a, overheadMs: _b, time: _c, ...first } = one;
    const { latencyMs: _d, overheadMs: _e, time: _f, ...second } = two;
    expect(first).toEqual(second);
  });

  it("puts the budget on a refusal for a budgeted key, and names the refusing rule", async () => {
    const refused = await send("x", "/v1/responses", { authorization: "Bearer sk-budgeted" }, "{nope");
    expect(refused.headers["x-llm-budget-remaining-usd"]).toBeDefined();
    const policy = await send("x", "/v1/chat/completions", { authorization: "Bearer sk-legal" }, JSON.stringify({ model: "cloud", messages: [{ role: "user", content: "hi" }] }));
    expect(policy.status).toBe(403);
    expect(policy.headers["x-llm-route"]).toBe("confidential-stays-local");
  });

  it("serves a door's request and logs it once", async () => {
    const answer = await send("x", "/v1/chat/completions", { authorization: "Bearer sk-budgeted", "content-type": "application/json", "x-request-id": "served-once" }, chat);
    expect(answer.status).toBe(200);
    expect(answer.headers["x-request-id"]).toBe("served-once");
    expect(answer.headers["x-llm-budget-remaining-usd"]).toBeDefined();
    const lines = () => requestLines(gw).filter((line) => line["requestId"] === "served-once");
    await eventually(() => expect(lines()).toHaveLength(1));
    expect(lines()[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", api: "chat", status: 200, keyName: "budgeted" });
  });

  describe.each([
    ["direct", "x"],
    ["Hono", "X"],
  ])("a refused request's unread body (%s path)", (_path, host) => {
    async function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
      const socket = connect(gw.running.port, "127.0.0.1");
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      let text = "";
      socket.on("data", (data: Buffer) => (text += data.toString("latin1")));
      socket.on("error", () => undefined);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      return { socket, received: () => text, closed };
    }
    const head = (length: number) => `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

    it("is read and dropped, and the connection serves the next request", async () => {
      const { socket, received } = await open();
      socket.write(head(chat.length) + chat);
      await eventually(() => expect(received()).toContain("HTTP/1.1 401"));
      socket.write(head(chat.length) + chat);
      await eventually(() => expect(received().match(/HTTP\/1\.1 401/g)).toHaveLength(2));
      socket.destroy();
    });

    it("costs the connection when the client keeps sending", async () => {
      const { socket, received, closed } = await open();
      socket.write(head(10_000_000) + "x".repeat(1000));
      const trickle = setInterval(() => socket.writable && socket.write("x".repeat(1000)), 20);
      try {
        await eventually(() => expect(received()).toContain("HTTP/1.1 401"));
        await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("still open")), 3000))]);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
    });
  });
});
