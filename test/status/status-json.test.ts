// GET /status.json over HTTP against the real gateway and a fake upstream: providers with their
// breaker and last error, models with targets, keys by name with their usage this minute,
// recent traffic per model from the request metrics, reload status; the metrics token guards
// it (Bearer for scripts, Basic for browsers), and no key or upstream secret ever appears.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import type { StatusDocument } from "../../src/status/document.ts";

const TOKEN = "status-token-0123456789";
const KEY = "sk-team-a-0123456789";
const UPSTREAM_SECRET = "upstream-secret-0123456789";
const bearer = { authorization: `Bearer ${TOKEN}` };

async function status(gw: TestGateway, headers: Record<string, string> = bearer): Promise<{ text: string; body: StatusDocument }> {
  const res = await fetch(`${gw.url}/status.json`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const text = await res.text();
  return { text, body: JSON.parse(text) as StatusDocument };
}

describe("GET /status.json", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    gw = await startTestGateway(
      {
        server: { host: "127.0.0.1", port: 0, metrics: { token: TOKEN } },
        providers: { primary: { type: "openai", base_url: `${fake.origin}/v1`, api_key: "${UPSTREAM_SECRET}" } },
        models: {
          fast: { targets: [{ provider: "primary", model: "m1" }], rpm: 1000 },
          smart: { strategy: "fallback", targets: [{ model: "fast" }] },
        },
        keys: [
          { name: "team-a", key: KEY, rpm: 10, tpm: 300, max_concurrent: 4 },
          { name: "ci", key: "sk-ci-0123456789" },
        ],
        resilience: { retries: 0 },
      },
      { UPSTREAM_SECRET },
    );
  });
  afterAll(() => stopAll(gw, fake));

  it("needs the metrics token, as a Bearer token or as a Basic password, and says how to give it", async () => {
    const anonymous = await fetch(`${gw.url}/status.json`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    const page = await fetch(`${gw.url}/status`);
    expect(page.status).toBe(401);
    expect(page.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${gw.url}/status.json`, { headers: { authorization: `Basic ${Buffer.from("ops:nope").toString("base64")}` } });
    expect(wrong.status).toBe(401);
    await status(gw, { authorization: `Basic ${Buffer.from(`ops:${TOKEN}`).toString("base64")}` });
    const served = await fetch(`${gw.url}/status`, { headers: bearer });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toContain("text/html");
    expect(served.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("shows models with their targets and kind, and keys by name with their limits", async () => {
    const { text, body } = await status(gw);
    expect(body.models).toEqual([
      { name: "fast", kind: "chat", strategy: "fallback", targets: [{ provider: "primary", model: "m1" }], rpm: 1000 },
      { name: "smart", kind: "chat", strategy: "fallback", targets: [{ model: "fast" }] },
    ]);
    expect(body.keys.map((k) => k.name)).toEqual(["team-a", "ci"]);
    expect(body.keys[1]).toEqual({ name: "ci" });
    expect(body.config).toMatchObject({ source: "test", last_reload: null, last_refused_reload: null });
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(UPSTREAM_SECRET);
  });

  it("moves a key's usage and the model's traffic after requests, without the reads consuming anything", async () => {
    const before = (await status(gw)).body.keys[0];
    const client = gw.client(KEY);
    fake.script({ reply: { text: "ok", usage: { prompt: 10, completion: 5 } } }, { reply: { text: "ok", usage: { prompt: 10, completion: 5 } } });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], max_tokens: 10 });
    const { body } = await status(gw);
    const after = body.keys[0];
    expect((after?.requests?.used ?? 0) - (before?.requests?.used ?? 0)).toBe(2);
    expect(after?.requests?.limit).toBe(10);
    // 30 tokens were charged; 300 tpm drains them in 6 s, so some may be gone already.
    expect((after?.tokens?.used ?? 0) - (before?.tokens?.used ?? 0)).toBeGreaterThan(0);
    expect(after?.concurrency).toEqual({ in_use: 0, max: 4 });
    // Reading the status again admitted nothing (10 rpm drains one request in 6 s).
    expect((await status(gw)).body.keys[0]?.requests?.used).toBe(after?.requests?.used);
    const fast = body.traffic.models.find((m) => m.model === "fast");
    expect(fast).toMatchObject({ requests: 2, error_rate: 0 });
    expect(fast?.p50_ms).toBeGreaterThan(0);
    expect(fast?.p99_ms).toBeGreaterThanOrEqual(fast?.p50_ms ?? 0);
  });

  it("shows a provider's last error by kind with its redacted text, and the model's error rate", async () => {
    fake.script({ status: 500, message: `boom with ${UPSTREAM_SECRET}` });
    await apiError(gw.client(KEY).chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], max_tokens: 10 }));
    const { text, body } = await status(gw);
    const primary = body.providers.find((p) => p.id === "primary");
    expect(primary).toMatchObject({ enabled: true, breaker: "closed", last_error: { kind: "http_5xx", status: 500 } });
    expect(primary?.last_error?.message).toContain("[redacted]");
    expect(primary?.check).toMatchObject({ ok: true });
    expect(body.traffic.models.find((m) => m.model === "fast")?.error_rate).toBeCloseTo(1 / 3);
    expect(text).not.toContain(UPSTREAM_SECRET);
  });

  it("shows the last refused reload with its problems while the loaded config keeps serving", async () => {
    gw.running.reloads.refused("SIGHUP", ["models.fast.targets[0].provider: unknown provider \"nope\""]);
    const { body } = await status(gw);
    expect(body.config.last_reload).toMatchObject({ reason: "SIGHUP", applied: false, problems: ['models.fast.targets[0].provider: unknown provider "nope"'] });
    expect(body.config.last_refused_reload).toEqual(body.config.last_reload);
    gw.running.reloads.applied("file changed");
    const later = (await status(gw)).body;
    expect(later.config.last_reload).toMatchObject({ reason: "file changed", applied: true, problems: [] });
    expect(later.config.last_refused_reload?.applied).toBe(false);
  });
});

describe("where /status is served", () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(() => fake.close());
  const base = () => ({ providers: { p: { type: "openai", base_url: `${fake.origin}/v1` } }, models: { m: { targets: [{ provider: "p", model: "m" }] } } });

  it("is not served when metrics are off", async () => {
    const gw = await startTestGateway({ ...base(), server: { host: "127.0.0.1", port: 0, metrics: { enabled: false } } });
    try {
      expect((await fetch(`${gw.url}/status.json`)).status).toBe(404);
      expect((await fetch(`${gw.url}/status`)).status).toBe(404);
    } finally {
      await gw.stop();
    }
  });

  it("moves to the metrics port with /metrics when that has a port of its own, open without a token", async () => {
    const gw = await startTestGateway({ ...base(), server: { host: "127.0.0.1", port: 0, metrics: { port: 0 } } });
    try {
      expect((await fetch(`${gw.url}/status.json`)).status).toBe(404);
      const metricsOrigin = new URL(gw.running.metricsUrl ?? "").origin;
      const res = await fetch(`${metricsOrigin}/status.json`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as StatusDocument).models.map((m) => m.name)).toEqual(["m"]);
      expect((await fetch(`${metricsOrigin}/status`)).headers.get("content-type")).toContain("text/html");
    } finally {
      await gw.stop();
    }
  });
});
