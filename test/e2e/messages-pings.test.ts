// Pings on the Messages door's translated lane: while a chat upstream is silent mid-answer the
// client gets `ping` events (Claude Code abandons a stream after 300 s without a byte). The
// interval is 10 s in service; here the module constant is mocked to 60 ms so an upstream that
// stalls 400 ms between frames shows them without a long wait.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { GEMINI_UPSTREAM, OPENAI_UPSTREAM } from "../fakes/chat-upstreams.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { parseFrames, validateEventStream } from "../dialects/anthropic-messages/event-stream-validator.ts";
import { resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

vi.mock("../../src/dialects/anthropic-messages/events.ts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/dialects/anthropic-messages/events.ts")>()),
  PING_INTERVAL_MS: 60,
}));

const upstreams = [OPENAI_UPSTREAM, GEMINI_UPSTREAM];

describe.each(upstreams)("Messages pings while $name is silent", ({ start, provider }) => {
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await start();
    gw = await startTestGateway({ providers: { up: provider(fake.origin) }, models: { m: { targets: [{ provider: "up", model: "upstream-model" }] } }, resilience: { retries: 0 } });
  });
  afterAll(() => stopAll(gw, fake));
  beforeEach(() => resetAll(fake));

  const body = { model: "m", max_tokens: 100, stream: true, messages: [{ role: "user", content: "Take your time." }] };
  const stalling = { reply: { text: "one two three", toolCalls: [{ id: "call_1", name: "Bash", arguments: { command: "sleep 1" } }], usage: { prompt: 8, completion: 6 } }, chunkIntervalMs: 400 };

  it("sends pings between the upstream's frames, and the stream stays well formed", async () => {
    fake.script(stalling);
    const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "x-api-key": "any", "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    const built = validateEventStream(text);
    expect(built.content).toEqual([
      { type: "text", text: "one two three" },
      { type: "tool_use", id: expect.any(String) as unknown, name: "Bash", input: { command: "sleep 1" } },
    ]);
    // Pings fall inside the silences: between the answer's own events, not only before or after them.
    const events = parseFrames(text).map((frame) => frame.event);
    const firstDelta = events.indexOf("content_block_delta");
    const lastDelta = events.lastIndexOf("content_block_delta");
    expect(events.slice(firstDelta, lastDelta).filter((event) => event === "ping").length).toBeGreaterThanOrEqual(2);
    expect(built.pings).toBeGreaterThanOrEqual(3);
  });

  it("is read through by the SDK's messages.stream, which ignores the pings", async () => {
    fake.script(stalling);
    const client = new Anthropic({ apiKey: "any", baseURL: gw.url, maxRetries: 0, timeout: 30_000 });
    const message = await client.messages.stream({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "Take your time." }] }).finalMessage();
    expect(message.content[0]).toEqual({ type: "text", text: "one two three" });
    expect(message.content[1]).toMatchObject({ type: "tool_use", name: "Bash", input: { command: "sleep 1" } });
    expect(message.usage).toMatchObject({ input_tokens: 8, output_tokens: 6 });
  });
});
