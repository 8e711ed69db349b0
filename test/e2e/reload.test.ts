// Hot reload: a valid change takes effect without dropping a running stream; an invalid one
// is refused and the old config keeps serving; breaker state survives for unchanged providers.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { configFromObject } from "../../src/config/load.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { eventually, openaiProviders, startTestGateway } from "../harness/gateway.ts";
import { startGatewayProcess, writeConfig } from "../harness/process.ts";

describe("config reload", () => {
  let one: FakeUpstream;
  let two: FakeUpstream;
  beforeAll(async () => {
    [one, two] = await Promise.all([startOpenAIFake(), startOpenAIFake()]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  const configWith = (models: Record<string, unknown>) => ({
    server: { host: "127.0.0.1", port: 0 },
    providers: openaiProviders({ one, two }),
    models,
    resilience: { retries: 0 },
  });
  const ask = (url: string, model: string, stream = false) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
    });

  it("applies a valid change on file write and SIGHUP while a stream keeps running; refuses an invalid one", async () => {
    const file = writeConfig(configWith({ m: { targets: [{ provider: "one", model: "first" }] } }));
    const gw = await startGatewayProcess(file);
    try {
      one.script({ reply: { text: "a b c d e f g h i j" }, chunkIntervalMs: 60 });
      const streaming = await ask(gw.url, "m", true);
      const body = streaming.text();

      writeFileSync(file, stringify(configWith({ m: { targets: [{ provider: "two", model: "second" }] }, n: { targets: [{ provider: "one", model: "third" }] } })));
      await eventually(() => expect(gw.lines.some((l) => l["msg"] === "config reloaded")).toBe(true), 5000);
      const after = await ask(gw.url, "m");
      expect(after.status).toBe(200);
      expect((two.lastChat.body as { model: string }).model).toBe("second");
      expect((await ask(gw.url, "n")).status).toBe(200);

      const text = await body;
      expect(text).toContain('"j"');
      expect(text.trim().endsWith("data: [DONE]")).toBe(true);

      writeFileSync(file, "providers: {}\nmodels:\n  m: { targets: [{ provider: ghost, model: x }] }\n");
      await eventually(() => expect(gw.lines.some((l) => l["msg"] === "config reload refused; the current config keeps serving")).toBe(true), 5000);
      const refused = gw.lines.find((l) => l["msg"] === "config reload refused; the current config keeps serving");
      expect(JSON.stringify(refused?.["problems"])).toContain('unknown provider \\"ghost\\"');
      expect((await ask(gw.url, "n")).status).toBe(200);

      writeFileSync(file, stringify(configWith({ only: { targets: [{ provider: "one", model: "x" }] } })));
      await eventually(() => expect(gw.lines.filter((l) => l["msg"] === "config reloaded")).toHaveLength(2), 5000);
      gw.kill("SIGHUP");
      await eventually(() => expect(gw.lines.some((l) => l["msg"] === "config reloaded" && l["reason"] === "SIGHUP")).toBe(true), 5000);
      expect((await ask(gw.url, "m")).status).toBe(404);
      expect((await ask(gw.url, "only")).status).toBe(200);
    } finally {
      gw.kill();
      await gw.exited;
    }
  });

  it("keeps the breaker state of providers whose settings did not change", async () => {
    const raw = {
      providers: openaiProviders({ one, two }),
      models: { m: { targets: [{ provider: "one", model: "x" }, { provider: "two", model: "y" }] } },
      resilience: { retries: 0, breaker: { volume_threshold: 2, reset_timeout_ms: 60_000 } },
    };
    const gw = await startTestGateway(raw);
    try {
      one.reset().always({ status: 500 });
      two.reset();
      for (let i = 0; i < 4; i++) await gw.client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      expect(gw.running.state.current.breakers.health("one")?.state).toBe("open");

      gw.running.reload(configFromObject({ ...raw, models: { ...raw.models, extra: { targets: [{ provider: "two", model: "z" }] } } }, "reloaded", {}));
      expect(gw.running.state.current.breakers.health("one")?.state).toBe("open");
      const sent = one.chatRequests.length;
      await gw.client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      expect(one.chatRequests).toHaveLength(sent);

      // A changed provider gets a fresh breaker (and a fresh adapter).
      gw.running.reload(configFromObject({ ...raw, providers: { ...raw.providers, one: { ...raw.providers.one, timeout_ms: 5000 } } }, "changed", {}));
      expect(gw.running.state.current.breakers.health("one")?.state).toBe("closed");
    } finally {
      await gw.stop();
    }
  });

  it("stops accepting a key that a reload removed, even one accepted a moment before", async () => {
    const raw = (key: string) => ({
      providers: { one: { type: "openai", base_url: `${one.origin}/v1` } },
      models: { m: { targets: [{ provider: "one", model: "x" }] } },
      keys: [{ name: "only", key }],
      resilience: { retries: 0 },
    });
    one.reset();
    const gw = await startTestGateway(raw("sk-before"));
    try {
      const ask = (key: string) =>
        fetch(`${gw.baseURL}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
        });
      expect((await ask("sk-before")).status).toBe(200);
      expect((await ask("sk-before")).status).toBe(200);
      gw.running.reload(configFromObject(raw("sk-after"), "rotated", {}));
      expect((await ask("sk-before")).status).toBe(401);
      expect((await ask("sk-after")).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});
