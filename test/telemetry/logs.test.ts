// The access log as written: raw lines, each valid JSON with the request's facts, no prompt,
// completion or key unless `logging.bodies` is on, and then with secrets redacted.
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { configFromObject } from "../../src/config/load.ts";
import { startGateway, type RunningGateway } from "../../src/server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually } from "../harness/gateway.ts";
import { drain } from "../harness/client-calls.ts";

const CLIENT_KEY = "sk-team-a-client-0123456789";
const UPSTREAM_KEY = "sk-upstream-secret-9876543210";
const PRICE = { input_per_mtok: 2, output_per_mtok: 8 };

interface Started {
  gateway: RunningGateway;
  fake: FakeUpstream;
  /** Every raw line the logger wrote. */
  raw: string[];
  client: OpenAI;
}

let started: Started | undefined;
afterEach(async () => {
  await started?.gateway.stop(500);
  await started?.fake.close();
  started = undefined;
});

async function start(logging: Record<string, unknown>): Promise<Started> {
  const fake = await startOpenAIFake();
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString("utf8").split("\n").filter((l) => l.trim() !== ""));
      done();
    },
  });
  const config = configFromObject(
    {
      server: { host: "127.0.0.1", port: 0 },
      logging,
      providers: { up: { type: "openai", api_key: "${UPSTREAM_KEY}", base_url: `${fake.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: PRICE } },
      keys: [{ name: "team-a", key: "${CLIENT_KEY}" }],
      routing: { rules: [{ name: "team-a-lane", when: { key: "team-a" } }] },
    },
    "test",
    { UPSTREAM_KEY, CLIENT_KEY },
  );
  const logger = createLogger({ level: "info", format: "json" }, sink);
  const gateway = await startGateway(config, { logger, port: 0, host: "127.0.0.1" });
  started = { gateway, fake, raw, client: new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
  return started;
}

const requestLines = (raw: string[]) => raw.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l["msg"] === "request");

describe("access log", () => {
  it("writes one valid JSON line per request with the request's facts, and no prompt, completion or key", async () => {
    const { client, raw } = await start({ level: "info", format: "json" });
    const prompt = "the prompt words nobody should log";
    await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: prompt }] });
    const stream = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: prompt }], stream: true });
    await drain(stream);
    await eventually(() => expect(requestLines(raw)).toHaveLength(2));

    for (const line of raw) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const [json, streamed] = requestLines(raw);
    const cost = (11 * PRICE.input_per_mtok + 7 * PRICE.output_per_mtok) / 1_000_000;
    const common = {
      level: "info",
      method: "POST",
      path: "/v1/chat/completions",
      status: 200,
      outcome: "success",
      keyName: "team-a",
      model: "fast",
      route: "team-a-lane",
      provider: "up",
      upstreamModel: "gpt-4o-mini",
      fallbacks: 0,
      promptTokens: 11,
      completionTokens: 7,
      costUsd: cost,
    };
    expect(json).toMatchObject({ ...common, stream: false, ttftMs: null });
    expect(streamed).toMatchObject({ ...common, stream: true });
    for (const line of [json, streamed]) {
      expect(line?.["requestId"]).toMatch(/^req_[0-9a-f]{32}$/);
      expect(typeof line?.["latencyMs"]).toBe("number");
      expect(line).not.toHaveProperty("messages");
      expect(line).not.toHaveProperty("completion");
    }
    expect(typeof streamed?.["ttftMs"]).toBe("number");
    expect(streamed?.["ttftMs"] as number).toBeLessThanOrEqual(streamed?.["latencyMs"] as number);

    const all = raw.join("\n");
    expect(all).not.toContain("prompt words");
    expect(all).not.toContain("Hello from the fake upstream");
    expect(all).not.toContain(CLIENT_KEY);
    expect(all).not.toContain(UPSTREAM_KEY);
  });

  it("with logging.bodies logs the messages and the completion, secrets redacted", async () => {
    const { client, raw, fake } = await start({ level: "info", format: "json", bodies: true });
    const prompt = "deploy with OPENAI_API_KEY=sk-proj-LEAKED0123456789abc and password: hunter2hunter";
    const answer = "Call it with Authorization: Bearer tok_ABCDEF0123456789 and you are done";
    fake.script({ reply: { text: answer } }, { reply: { text: answer } });
    await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: prompt }] });
    const stream = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: prompt }], stream: true });
    await drain(stream);
    await eventually(() => expect(requestLines(raw)).toHaveLength(2));

    for (const line of requestLines(raw)) {
      const messages = JSON.stringify(line["messages"]);
      expect(messages).toContain("deploy with OPENAI_API_KEY=");
      expect(messages).toContain("[redacted]");
      expect(line["completion"]).toBe("Call it with Authorization: Bearer [redacted] and you are done");
    }
    const all = raw.join("\n");
    expect(all).not.toContain("sk-proj-LEAKED0123456789abc");
    expect(all).not.toContain("hunter2hunter");
    expect(all).not.toContain("tok_ABCDEF0123456789");
    expect(all).not.toContain(CLIENT_KEY);
  });
});
