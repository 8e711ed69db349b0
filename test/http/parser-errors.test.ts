// What Node's HTTP parser refuses before any route sees it is answered in the error envelope,
// over raw sockets (no client library would send these).
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

let fake: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startOpenAIFake();
  gw = await startTestGateway({
    providers: openaiProviders({ up: fake }),
    models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
  });
});
afterAll(() => stopAll(gw, fake));

/**
 * Sends each of `requests` once the answer to the one before has started, and resolves with all
 * the gateway answered once it closed the connection.
 */
async function exchange(...requests: string[]): Promise<string> {
  const socket = connect(gw.running.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let text = "";
  let closed = false;
  socket.on("data", (data: Buffer) => (text += data.toString("latin1")));
  socket.on("error", () => undefined);
  socket.once("close", () => (closed = true));
  for (const [index, raw] of requests.entries()) {
    if (index > 0) await eventually(() => expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(index));
    socket.write(raw);
  }
  await eventually(() => expect(closed).toBe(true));
  return text;
}

interface Answer {
  status: number;
  head: string;
  error: { message: string; type: string; param: string | null; code: string };
}

function answerOf(text: string): Answer {
  const split = text.indexOf("\r\n\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]);
  return { status, head: text.slice(0, split).toLowerCase(), ...(JSON.parse(text.slice(split + 4)) as { error: Answer["error"] }) };
}

describe("what Node's parser refuses", () => {
  it("answers a malformed request line with a 400 envelope", async () => {
    const answer = answerOf(await exchange("GARBAGE\u0001 / HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(answer.status).toBe(400);
    expect(answer.head).toContain("content-type: application/json");
    expect(answer.error).toMatchObject({ type: "invalid_request_error", code: "malformed_request" });
  });

  it("answers headers over the size limit with a 431 envelope", async () => {
    const answer = answerOf(await exchange(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(32 * 1024)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.error).toMatchObject({ code: "headers_too_large" });
  });

  it("answers an Expect it does not understand with a 417 envelope", async () => {
    const answer = answerOf(await exchange("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}"));
    expect(answer.status).toBe(417);
    expect(answer.error).toMatchObject({ param: "expect", code: "expectation_failed" });
    expect(fake.chatRequests).toHaveLength(0);
  });

  it("answers a malformed request on a connection that already served one", async () => {
    const text = await exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "GARBAGE\u0001 / HTTP/1.1\r\nHost: x\r\n\r\n");
    const second = text.slice(text.indexOf("HTTP/1.1", 1));
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(answerOf(second)).toMatchObject({ status: 400, error: { code: "malformed_request" } });
  });
});
