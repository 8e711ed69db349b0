// Reading the request body as clients actually send it: malformed JSON, a client that leaves
// mid-upload, a client that goes quiet mid-body. Raw sockets where an SDK would not misbehave.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

// Long enough that a loaded machine does not trip it in the tests that are not about it.
const BODY_TIMEOUT_MS = 2_000;

let fake: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startTestGateway({
    server: { host: "127.0.0.1", port: 0, body_timeout_ms: BODY_TIMEOUT_MS },
    providers: openaiProviders({ up: fake }),
    models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
  });
});
afterAll(() => stopAll(gw, fake));
beforeEach(() => {
  fake.reset();
  gw.logs.length = 0;
});

/** Opens a connection and sends the head of a chat request announcing `length` body bytes. */
async function startUpload(length: number, extraHeaders = ""): Promise<Socket> {
  const socket = connect(gw.running.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extraHeaders}\r\n`);
  return socket;
}

const scrape = async () => (await fetch(`${gw.url}/metrics`)).text();

/** Everything the gateway sends until it closes the connection. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    socket.on("data", (data: Buffer) => (text += data.toString("utf8")));
    socket.once("close", () => resolve(text));
  });
}

describe("a body that is not valid JSON", () => {
  it("is a 400 that gives the position, and neither the answer nor the log quotes the body", async () => {
    const prompt = "confidential merger plans for Q3";
    const body = `{"model": "fast", "messages": [{"role": "user", "content": "${prompt}"}] ,, }`;
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; code: string } };
    expect(error.code).toBe("invalid_json");
    expect(error.message).toMatch(/at position \d+/);
    const bare = await fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: `merger ${prompt}` });
    expect(bare.status).toBe(400);
    expect(await bare.text()).not.toContain("merger");

    await eventually(() => expect(requestLines(gw)).toHaveLength(2));
    const logged = JSON.stringify(gw.logs);
    expect(logged).toContain("at position");
    expect(logged).not.toContain("merger");
    expect(logged).not.toContain("Q3");
    expect(fake.chatRequests).toHaveLength(0);
  });
});

describe("a client that disconnects during the upload", () => {
  it("is logged as a 499 client_abort, with no 500 and no stack", async () => {
    const socket = await startUpload(10_000);
    socket.write('{"model": "fast", "messages": [');
    await eventually(async () => expect(await scrape()).toContain("llm_gateway_inflight_requests 1"));
    socket.destroy();

    await eventually(() => expect(requestLines(gw)).toHaveLength(1));
    expect(requestLines(gw)[0]).toMatchObject({ status: 499, outcome: "client_abort" });
    expect(gw.logs.filter((l) => l["msg"] !== "request")).toEqual([]);
    expect(JSON.stringify(gw.logs)).not.toContain("stack");
    expect(fake.chatRequests).toHaveLength(0);
    expect(await scrape()).toMatch(/llm_gateway_requests_total\{[^}]*status_class="4xx",outcome="client_abort"\} 1/);
  });
});

describe("a client that goes quiet mid-body", () => {
  it("gets a 408 in the error envelope once the body has been idle for server.body_timeout_ms", async () => {
    const socket = await startUpload(10_000);
    const answer = readAll(socket);
    socket.write('{"model": "fast", "messages": [');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text.toLowerCase()).toContain("connection: close");
    const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { error: { type: string; code: string } };
    expect(json.error).toMatchObject({ type: "invalid_request_error", code: "body_timeout" });
    await eventually(() => expect(requestLines(gw)[0]).toMatchObject({ status: 408 }));
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("is not cut while bytes keep arriving, however long the whole upload takes", async () => {
    const body = JSON.stringify({ model: "fast", messages: [{ role: "user", content: "slow but steady" }] });
    const socket = await startUpload(Buffer.byteLength(body), "Connection: close\r\n");
    const answer = readAll(socket);
    // Each pause is well under the idle limit; together they are over it.
    const step = Math.ceil(body.length / 6);
    for (let i = 0; i < body.length; i += step) {
      socket.write(body.slice(i, i + step));
      await new Promise((resolve) => setTimeout(resolve, BODY_TIMEOUT_MS / 4));
    }
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(fake.chatRequests).toHaveLength(1);
  });
});
