// The bench harness runs: the fake upstream as its own process, each bare arm in front of it,
// the autocannon wrapper and the streaming client. Counts and shapes only, never times.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { expectedFrames, type FakeKnobs, type FakeStats } from "../../bench/fake-upstream.ts";
import { chatBody, CHAT_PATH, contentOfTokens, headers } from "../../bench/harness/requests.ts";
import { runLoad } from "../../bench/load/autocannon-run.ts";
import { openStream, runStreams, streamAgent } from "../../bench/load/stream-client.ts";
import { spawnServer, type PinnedProcess } from "../../bench/process/spawn.ts";

const SIZE = 120;
const CHUNKS = 4;

let fakeOrigin = "";
const processes: PinnedProcess[] = [];
const origins = new Map<string, string>();
const agent = streamAgent();

async function control<T>(path: string, body?: unknown): Promise<T> {
  const res = await request(fakeOrigin + path, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as T;
}

const setKnobs = (knobs: Partial<FakeKnobs>) => control<FakeKnobs>("/__bench/knobs", knobs);
const fakeStats = () => control<FakeStats>("/__bench/stats");

async function post(origin: string, body: string) {
  const res = await request(origin + CHAT_PATH, { method: "POST", headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

beforeAll(async () => {
  const fake = await spawnServer({ core: undefined, script: "bench/fake-upstream.ts", args: ["--port", "0", "--size", String(SIZE), "--chunks", String(CHUNKS), "--interval-ms", "1"], stdout: "pipe" });
  processes.push(fake.proc);
  fakeOrigin = `http://127.0.0.1:${fake.port}`;
  origins.set("direct", fakeOrigin);
  const scripts = { "node-http": "bench/arms/node-http-proxy.ts", undici: "bench/arms/undici-proxy.ts", "hono-fetch": "bench/arms/hono-fetch-proxy.ts" };
  const arms = await Promise.all(
    Object.entries(scripts).map(async ([name, script]) => {
      const arm = await spawnServer({ core: undefined, script, args: ["--port", "0", "--upstream", fakeOrigin], stdout: "pipe" });
      return [name, arm] as const;
    }),
  );
  for (const [name, arm] of arms) {
    processes.push(arm.proc);
    origins.set(name, `http://127.0.0.1:${arm.port}`);
  }
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await agent.close();
});

describe("fake upstream", () => {
  it("answers a chat completion of the configured size and echoes the model", async () => {
    const res = await post(fakeOrigin, chatBody({ model: "some-model" }));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { object: string; model: string; choices: { message: { content: string } }[]; usage: { total_tokens: number } };
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("some-model");
    expect(body.choices[0]?.message.content).toHaveLength(SIZE);
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("injects 500s and 429s at exactly the configured share", async () => {
    await setKnobs({ rate500: 0.5 });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await post(fakeOrigin, chatBody())).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    await setKnobs({ rate500: 0, rate429: 1 });
    const limited = await post(fakeOrigin, chatBody());
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("1");
    expect(JSON.parse(limited.text)).toMatchObject({ error: { type: "rate_limit_exceeded" } });
    await setKnobs({ rate429: 0 });
  });

  it("stalls a request until the client gives up, and counts it as aborted", async () => {
    await setKnobs({ stallRate: 1 });
    const before = await fakeStats();
    const stalled = openStream({ url: fakeOrigin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: agent });
    expect(await until(async () => (await fakeStats()).inflight === before.inflight + 1)).toBe(true);
    stalled.abort();
    const timing = await stalled.done;
    expect(timing.error).toBe("aborted");
    expect(timing.frameTimes).toHaveLength(0);
    await setKnobs({ stallRate: 0 });
    expect(await until(async () => (await fakeStats()).aborted === before.aborted + 1)).toBe(true);
  });

  it("rejects a body that is not JSON with a 400 envelope", async () => {
    const res = await post(fakeOrigin, "{not json");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe.each(["direct", "node-http", "undici", "hono-fetch"])("arm %s", (name) => {
  const origin = () => origins.get(name) ?? "";

  it("relays a chat completion unchanged", async () => {
    const direct = await post(fakeOrigin, chatBody());
    const res = await post(origin(), chatBody());
    expect(res.status).toBe(200);
    expect(res.text).toBe(direct.text);
  });

  it("relays a large request body", async () => {
    const before = (await fakeStats()).requests;
    const res = await post(origin(), chatBody({ content: contentOfTokens(10_000) }));
    expect(res.status).toBe(200);
    expect((await fakeStats()).requests).toBe(before + 1);
  });

  it("relays every SSE frame of a stream", async () => {
    const knobs = await setKnobs({ chunks: CHUNKS, intervalMs: 1 });
    const result = await runStreams({
      target: { url: origin() + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: agent },
      count: 3,
      rampMs: 0,
      expectedFrames: expectedFrames(knobs, true),
      intervalMs: 1,
      timedGaps: CHUNKS,
    });
    expect(result).toMatchObject({ ok: 3, errors: 0, incomplete: 0 });
    expect(result.ttfb).toHaveLength(3);
    expect(result.gaps).toHaveLength(3 * CHUNKS);
  });

  it("streams chunks that parse as chat.completion.chunk and end with [DONE]", async () => {
    const res = await request(origin() + CHAT_PATH, { method: "POST", headers, body: chatBody({ stream: true }) });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream");
    const frames = (await res.body.text()).split("\n\n").filter(Boolean);
    expect(frames.at(-1)).toBe("data: [DONE]");
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice("data: ".length)) as { object: string; choices: { delta: { content?: string } }[] });
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toHaveLength(SIZE);
  });

  it("carries autocannon load: every request answered 200", async () => {
    const result = await runLoad({ url: origin() + CHAT_PATH, body: chatBody(), headers, connections: 2, durationSec: 10, amount: 40 });
    expect(result).toMatchObject({ ok: 40, non2xx: 0, errors: 0 });
  });

  it("ends the upstream stream when the client disconnects", async () => {
    await setKnobs({ chunks: 100_000, intervalMs: 5 });
    const before = await fakeStats();
    const streams = Array.from({ length: 5 }, () => openStream({ url: origin() + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: agent }));
    await Promise.all(streams.map((s) => s.firstFrame));
    expect((await fakeStats()).inflight).toBe(before.inflight + 5);
    for (const s of streams) s.abort();
    await Promise.all(streams.map((s) => s.done));
    expect(await until(async () => (await fakeStats()).inflight === before.inflight)).toBe(true);
    await setKnobs({ chunks: CHUNKS, intervalMs: 1 });
  });
});
