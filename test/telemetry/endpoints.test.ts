// /metrics on the API port, on a port of its own, behind a token or switched off; /ready
// with the readiness checks other modules register.
import { afterEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { openaiProviders, startTestGateway, type TestGateway } from "../harness/gateway.ts";

let fake: FakeUpstream | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await fake?.close();
  gw = undefined;
  fake = undefined;
});

async function start(metrics: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  fake = await startOpenAIFake();
  gw = await startTestGateway({
    server: { host: "127.0.0.1", port: 0, ...(metrics ? { metrics } : {}) },
    providers: openaiProviders({ up: fake }),
    models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
    ...extra,
  });
  return gw;
}

const hello = { model: "fast", messages: [{ role: "user" as const, content: "hi" }] };

describe("GET /metrics", () => {
  it("is served on the API port by default, without an API key even when keys are configured", async () => {
    const g = await start(undefined, { keys: [{ name: "team-a", key: "sk-team-a-123456" }] });
    expect(g.running.metricsUrl).toBe(`${g.url}/metrics`);
    const res = await fetch(`${g.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await res.text()).toContain("# TYPE llm_gateway_requests_total counter");
  });

  it("asks for the bearer token when one is configured", async () => {
    const g = await start({ token: "scrape-token-1" });
    const none = await fetch(`${g.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(await none.text()).not.toContain("llm_gateway_");
    expect((await fetch(`${g.url}/metrics`, { headers: { authorization: "Bearer scrape-token-2" } })).status).toBe(401);
    expect((await fetch(`${g.url}/metrics`, { headers: { authorization: "scrape-token-1" } })).status).toBe(401);
    const ok = await fetch(`${g.url}/metrics`, { headers: { authorization: "Bearer scrape-token-1" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("llm_gateway_inflight_requests");
  });

  it("moves to a port of its own, token included, and that port closes with the gateway", async () => {
    const g = await start({ port: 0, token: "scrape-token-1" });
    const url = g.running.metricsUrl;
    expect(url).toBeDefined();
    expect(url).not.toContain(`:${g.running.port}/`);
    await g.client().chat.completions.create(hello);
    expect((await fetch(url!)).status).toBe(401);
    const ok = await fetch(url!, { headers: { authorization: "Bearer scrape-token-1" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^llm_gateway_requests_total\{key="anonymous",model="fast",.*outcome="success"\} 1$/m);
    expect((await fetch(url!.replace("/metrics", "/other"))).status).toBe(404);
    // the API port no longer serves it
    expect((await fetch(`${g.url}/metrics`)).status).toBe(404);
    await g.stop();
    await expect(fetch(url!)).rejects.toThrow();
  });

  it("is not served at all when disabled", async () => {
    const g = await start({ enabled: false });
    expect(g.running.metricsUrl).toBeUndefined();
    expect((await fetch(`${g.url}/metrics`)).status).toBe(404);
  });
});

describe("GET /ready with registered checks", () => {
  it("is ready only while every registered check passes, and names each one", async () => {
    const g = await start(undefined);
    let redisUp = false;
    g.running.readinessChecks.push({ name: "redis", check: () => redisUp });
    const down = await fetch(`${g.url}/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "not_ready", checks: { providers: true, redis: false } });
    redisUp = true;
    const up = await fetch(`${g.url}/ready`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: "ready", checks: { providers: true, redis: true } });
  });
});
