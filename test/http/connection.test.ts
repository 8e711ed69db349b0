// A client's `Connection: close` is honoured on every kind of reply, over raw sockets (an SDK
// would hide the connection).
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

/** Generous: the first streams of a file can be slow on a machine running the whole suite. */
const SLOW_MS = 10_000;

let translated: FakeUpstream;
let relayed: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  translated = await startAnthropicFake();
  relayed = await startOpenAIFake();
  gw = await startTestGateway({
    providers: {
      claude: { type: "anthropic", api_key: "sk-ant-test", base_url: translated.origin },
      up: { type: "openai", api_key: "sk-up-test", base_url: `${relayed.origin}/v1` },
    },
    models: {
      translated: { targets: [{ provider: "claude", model: "claude-sonnet-4-5" }] },
      relayed: { targets: [{ provider: "up", model: "gpt-4o-mini" }] },
    },
  });
});
afterAll(() => stopAll(gw, translated, relayed));
beforeEach(() => {
  translated.reset();
  relayed.reset();
});

interface Exchange {
  socket: Socket;
  /** Everything received so far. */
  received: () => string;
  closed: () => boolean;
}

async function send(raw: string): Promise<Exchange> {
  const socket = connect(gw.running.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let text = "";
  let closed = false;
  socket.on("data", (data: Buffer) => (text += data.toString("latin1")));
  socket.on("error", () => undefined);
  socket.once("close", () => (closed = true));
  socket.write(raw);
  return { socket, received: () => text, closed: () => closed };
}

function chatRequest(model: string, connection: string): string {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] });
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${connection}\r\n${body}`;
}

const headOf = (text: string) => text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase();

describe("Connection: close", () => {
  it.each(["translated", "relayed"])("closes the connection after a %s stream when the client asked", async (model) => {
    const exchange = await send(chatRequest(model, "Connection: close\r\n"));
    await eventually(() => expect(exchange.received()).toContain("data: [DONE]"), SLOW_MS);
    expect(headOf(exchange.received())).toMatch(/^http\/1\.1 200 /);
    expect(headOf(exchange.received())).toContain("connection: close");
    await eventually(() => expect(exchange.closed()).toBe(true), SLOW_MS);
  });

  it("keeps the connection open for the next request when the client did not ask", async () => {
    const exchange = await send(chatRequest("translated", ""));
    await eventually(() => expect(exchange.received()).toContain("data: [DONE]"), SLOW_MS);
    expect(headOf(exchange.received())).toContain("connection: keep-alive");
    exchange.socket.write(chatRequest("translated", "Connection: close\r\n"));
    await eventually(() => expect(exchange.closed()).toBe(true), SLOW_MS);
    expect(exchange.received().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    exchange.socket.destroy();
  });
});
