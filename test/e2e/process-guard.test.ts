// The process guard in the real gateway process: a stray stream error and an unhandled
// rejection are logged and counted as internal errors, and the gateway keeps serving.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually } from "../harness/eventually.ts";
import { startGatewayProcess, writeConfig } from "../harness/process.ts";
import { parseSamples, seriesName } from "../telemetry/scrape.ts";

const strayErrors = join(import.meta.dirname, "../fixtures/process/stray-errors.ts");

describe("process guard", () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(() => fake.close());

  it("survives a stray stream error and an unhandled rejection, logging and counting both", async () => {
    const config = writeConfig({
      server: { host: "127.0.0.1", port: 0 },
      providers: { up: { type: "openai", api_key: "sk-upstream-secret", base_url: `${fake.origin}/v1` } },
      models: { m: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
    });
    const gw = await startGatewayProcess(config, { NODE_OPTIONS: `--import=${strayErrors}` });
    try {
      gw.child.kill("SIGUSR2");
      const caught = () => gw.lines.filter((l) => l["msg"] === "internal error caught by the process guard; the gateway keeps serving");
      await eventually(() => expect(caught()).toHaveLength(2), 10_000);
      expect(caught()).toEqual([
        expect.objectContaining({ level: "error", kind: "uncaught_exception", error: expect.objectContaining({ type: "Error", code: "ERR_STRAY", message: "stray stream error" }) }),
        expect.objectContaining({ level: "error", kind: "unhandled_rejection", error: expect.objectContaining({ type: "Error", message: "stray rejection" }) }),
      ]);
      expect(gw.child.exitCode).toBeNull();

      fake.script({ reply: { text: "still serving" } });
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hello?" }] }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe("still serving");

      const samples = parseSamples(await (await fetch(`${gw.url}/metrics`)).text());
      expect(samples.get(seriesName("llm_gateway_internal_errors_total", { kind: "uncaught_exception" }))).toBe(1);
      expect(samples.get(seriesName("llm_gateway_internal_errors_total", { kind: "unhandled_rejection" }))).toBe(1);
    } finally {
      gw.kill();
    }
    expect(await gw.exited).toBe(0);
  });
});
