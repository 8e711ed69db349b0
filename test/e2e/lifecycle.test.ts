// The gateway as a process: start from a config file, refuse a bad one, and shut down
// gracefully on SIGTERM while a stream is still running.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { spawnGateway, startGatewayProcess, writeConfig } from "../harness/process.ts";

describe("gateway process", () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  const config = () => ({
    server: { host: "127.0.0.1", port: 1, shutdown_grace_ms: 10_000 },
    providers: { up: { type: "openai", api_key: "${UP_KEY}", base_url: `${fake.origin}/v1` } },
    models: { m: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
  });

  it("lets a running stream finish on SIGTERM, refuses new connections, and exits 0", async () => {
    const gw = await startGatewayProcess(writeConfig(config()), { UP_KEY: "sk-x" });
    fake.script({ reply: { text: "one two three four five six seven eight" }, chunkIntervalMs: 60 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "count" }] }),
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    gw.kill("SIGTERM");
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain("eight");
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    expect(await gw.exited).toBe(0);
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
    expect(gw.lines.some((l) => l["msg"] === "stopped")).toBe(true);
    // Access lines are written in blocks: the stream's line, gathered after it ended, is flushed before exit.
    expect(gw.lines.some((l) => l["msg"] === "request" && l["path"] === "/v1/chat/completions" && l["status"] === 200)).toBe(true);
  });

  it("writes a request's access line to stdout within the block interval while it keeps running", async () => {
    const gw = await startGatewayProcess(writeConfig(config()), { UP_KEY: "sk-x" });
    try {
      fake.script({ reply: { text: "hello" } });
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "line-timing" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      const answeredAt = performance.now();
      while (!gw.lines.some((l) => l["msg"] === "request" && l["requestId"] === "line-timing")) {
        expect(performance.now() - answeredAt).toBeLessThan(2_000);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      gw.kill("SIGTERM");
      await gw.exited;
    }
  });

  it("takes PORT from the environment over server.port", async () => {
    const gw = await startGatewayProcess(writeConfig(config()), { UP_KEY: "sk-x" });
    try {
      expect(gw.url).not.toMatch(/:1$/);
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    } finally {
      gw.kill();
      await gw.exited;
    }
  });

  it("exits non-zero on an invalid config, naming the path and the problem", async () => {
    const bad = writeConfig({ ...config(), models: { m: { targets: [{ provider: "nope", model: "x" }] } } });
    const proc = spawnGateway(["--config", bad]);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain(`models.m.targets[0].provider: unknown provider "nope"`);
  });

  it("reads GATEWAY_CONFIG when no --config is given", async () => {
    const proc = spawnGateway([], { GATEWAY_CONFIG: "/nonexistent/gw.yaml" });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain("/nonexistent/gw.yaml");
  });
});
