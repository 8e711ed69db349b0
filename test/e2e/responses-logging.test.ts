// The Responses door's request log with `logging.bodies: true`: the input (instructions and
// items) and the answer's text, secrets redacted, on the translated lane (built from the chat
// answer) and on the native lane (read from the relayed bytes), JSON and streamed alike.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { eventually, requestLines, resetAll, startResponsesLanes, stopAll, type TestGateway } from "../harness/gateway.ts";

const SECRET_IN = "password: hunter2hunter";
const ANSWER = "Call it with Authorization: Bearer tok_ABCDEF0123456789 and you are done";
const REDACTED = "Call it with Authorization: Bearer [redacted] and you are done";

describe("Responses door: request log with logging.bodies", () => {
  let chat: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    ({ chat, native, gw } = await startResponsesLanes({ logging: { level: "info", format: "json", bodies: true } }));
  });
  afterAll(() => stopAll(gw, chat, native));
  beforeEach(() => resetAll(chat, native));

  async function lastLine(count: number): Promise<Record<string, unknown>> {
    await eventually(() => expect(requestLines(gw).length).toBeGreaterThanOrEqual(count));
    return requestLines(gw).at(-1) as Record<string, unknown>;
  }

  describe.each([
    { lane: "translated", model: "local", fake: () => chat },
    { lane: "native", model: "gpt", fake: () => native },
  ])("$lane lane", ({ model, fake }) => {
    it("logs the input and the answer's text, redacted, for a JSON answer", async () => {
      fake().script({ reply: { text: ANSWER } });
      const before = requestLines(gw).length;
      const res = await gw.client().responses.create({ model, instructions: "Be exact.", input: `Log in with ${SECRET_IN}` });
      expect(res.output_text).toBe(ANSWER);
      const line = await lastLine(before + 1);
      expect(line["api"]).toBe("responses");
      expect(line["completion"]).toBe(REDACTED);
      const messages = JSON.stringify(line["messages"]);
      expect(messages).toContain("Be exact.");
      expect(messages).toContain("Log in with");
      expect(messages).not.toContain("hunter2hunter");
    });

    it("logs the streamed answer's text once the stream ends", async () => {
      fake().script({ reply: { text: ANSWER } });
      const before = requestLines(gw).length;
      const final = await gw.client().responses.stream({ model, input: "stream it" }).finalResponse();
      expect(final.output_text).toBe(ANSWER);
      const line = await lastLine(before + 1);
      expect(line).toMatchObject({ api: "responses", stream: true, completion: REDACTED });
    });
  });

  it("keeps every secret of the answer out of the log", () => {
    const all = JSON.stringify(gw.logs);
    expect(all).not.toContain("tok_ABCDEF0123456789");
    expect(all).not.toContain("hunter2hunter");
  });
});
