// Per-key and per-model limits end to end: the real gateway, the real openai SDK (no retries),
// a fake OpenAI upstream that reports usage. Each test uses its own key, so limits never leak
// between tests.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { APIError } from "openai";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { configFromObject } from "../../src/config/load.ts";
import { loadTokenizer } from "../../src/limits/tokens.ts";
import { eventually, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { abortAfter, streamText } from "../harness/client-calls.ts";

const hello = { model: "fast", messages: [{ role: "user" as const, content: "hello" }] };

async function refusal(call: Promise<unknown>): Promise<APIError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error("expected the request to be refused");
}

const num = (headers: Headers | undefined, name: string) => Number(headers?.get(name));

describe("rate limits", () => {
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    const key = (name: string, limits: Record<string, unknown>) => ({ name, key: `sk-${name}`, ...limits });
    gw = await startTestGateway({
      providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` } },
      models: {
        fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] },
        other: { targets: [{ provider: "up", model: "gpt-4o" }] },
        shared: { targets: [{ provider: "up", model: "gpt-4o-mini" }], rpm: 2 },
      },
      keys: [
        key("rpm", { rpm: 3 }),
        key("retry", { rpm: 20 }),
        key("tpm", { tpm: 1_000 }),
        key("tpm-stream", { tpm: 1_000 }),
        key("tpm-abort", { tpm: 1_000 }),
        key("tpm-script", { tpm: 100_000 }),
        key("conc", { max_concurrent: 2 }),
        key("conc-err", { max_concurrent: 1 }),
        key("errors", { rpm: 10, tpm: 50_000 }),
        key("narrow", { rpm: 5, models: ["fast"] }),
        key("budget-default", { tpm: 10_000 }),
        key("budget-legacy", { tpm: 10_000 }),
        key("budget-n", { tpm: 10_000 }),
        key("team-x", {}),
        key("team-y", {}),
      ],
      limits: { store: "memory", default_max_tokens: 200 },
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, fake));
  beforeEach(() => fake.reset());

  it("admits a key's rpm, then refuses with 429, Retry-After and the OpenAI envelope, without calling upstream", async () => {
    const client = gw.client("sk-rpm");
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { response } = await client.chat.completions.create(hello).withResponse();
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("3");
      remaining.push(response.headers.get("x-ratelimit-remaining-requests") ?? "");
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const error = await refusal(client.chat.completions.create(hello));
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_exceeded");
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.message).toContain('key "rpm"');
    expect(error.message).toContain("requests per minute: limit 3");
    expect(error.headers?.get("retry-after")).toMatch(/^\d+$/);
    expect(num(error.headers, "retry-after")).toBeGreaterThanOrEqual(19);
    expect(num(error.headers, "retry-after")).toBeLessThanOrEqual(20);
    expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(error.headers?.get("x-request-id")).toBeTruthy();
    expect(fake.chatRequests).toHaveLength(3);
  });

  it("gives a Retry-After that is accurate to within a second", async () => {
    const client = gw.client("sk-retry");
    for (let i = 0; i < 20; i += 1) await client.chat.completions.create(hello);
    const error = await refusal(client.chat.completions.create(hello));
    const refusedAt = Date.now();
    const retryAfter = num(error.headers, "retry-after");
    // reset = time until the bucket is empty again; one request fits once it drops to
    // 57 s (the window less one request's 3 s), so the exact wait is reset - 57 s
    const exactWaitMs = resetMs(error.headers?.get("x-ratelimit-reset-requests")) - 57_000;
    expect(exactWaitMs).toBeGreaterThan(0);
    expect(retryAfter).toBe(Math.ceil(exactWaitMs / 1_000));

    await sleep(Math.max(0, exactWaitMs - 400 - (Date.now() - refusedAt)));
    expect((await refusal(client.chat.completions.create(hello))).status).toBe(429);
    await sleep(Math.max(0, retryAfter * 1_000 - (Date.now() - refusedAt)));
    await expect(client.chat.completions.create(hello)).resolves.toMatchObject({ object: "chat.completion" });
  });

  it("reserves prompt + max tokens for tpm and corrects the charge by the real usage", async () => {
    const client = gw.client("sk-tpm");
    fake.always({ reply: { text: "fine", usage: { prompt: 11, completion: 7 } } });
    const first = await client.chat.completions.create({ ...hello, max_completion_tokens: 500 }).withResponse();
    const reserved = 1_000 - num(first.response.headers, "x-ratelimit-remaining-tokens");
    expect(reserved).toBeGreaterThan(500); // the prompt estimate on top of max_tokens
    expect(reserved).toBeLessThan(530);

    const startedAt = Date.now();
    const second = await client.chat.completions.create({ ...hello, max_completion_tokens: 500 }).withResponse();
    // the first request was charged its real 18 tokens, not its reservation; refill adds 1 per 60 ms
    const expected = 1_000 - 18 - reserved;
    const refill = Math.ceil((Date.now() - startedAt + 1_000) / 60);
    const remaining = num(second.response.headers, "x-ratelimit-remaining-tokens");
    expect(remaining).toBeGreaterThanOrEqual(expected);
    expect(remaining).toBeLessThanOrEqual(expected + refill);

    const error = await refusal(client.chat.completions.create({ ...hello, max_completion_tokens: 990 }));
    expect(error.status).toBe(429);
    expect(error.message).toContain("tokens per minute: limit 1000");
    expect(fake.chatRequests).toHaveLength(2);
  });

  it("reserves the configured default without a max, honours max_tokens, and counts every choice of n", async () => {
    const reservedBy = async (key: string, body: Record<string, unknown>) => {
      const res = await fetch(`${gw.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer sk-${key}` },
        body: JSON.stringify({ ...hello, ...body }),
      });
      expect(res.status).toBe(200);
      return 10_000 - num(res.headers, "x-ratelimit-remaining-tokens");
    };
    const byDefault = await reservedBy("budget-default", {}); // prompt + default_max_tokens (200)
    expect(await reservedBy("budget-legacy", { max_tokens: 300 })).toBe(byDefault + 100);
    expect(await reservedBy("budget-n", { max_completion_tokens: 100, n: 2 })).toBe(byDefault);
  });

  it("corrects a streamed request by the usage reported at the end of the stream", async () => {
    const client = gw.client("sk-tpm-stream");
    fake.always({ reply: { text: "one two three four", usage: { prompt: 11, completion: 4 } } });
    const { data: stream, response } = await client.chat.completions.create({ ...hello, max_completion_tokens: 600, stream: true }).withResponse();
    const reserved = 1_000 - num(response.headers, "x-ratelimit-remaining-tokens");
    expect(response.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    expect(await streamText(stream)).toBe("one two three four");
    await eventually(() => expect(requestLines(gw).filter((l) => l["keyName"] === "tpm-stream")).toHaveLength(1));

    const startedAt = Date.now();
    const next = await client.chat.completions.create({ ...hello, max_completion_tokens: 600 }).withResponse();
    const expected = 1_000 - 15 - reserved;
    const remaining = num(next.response.headers, "x-ratelimit-remaining-tokens");
    expect(remaining).toBeGreaterThanOrEqual(expected);
    expect(remaining).toBeLessThanOrEqual(expected + Math.ceil((Date.now() - startedAt + 1_000) / 60));
  });

  it("charges a stream the client abandoned for what it received, not its whole reservation", async () => {
    const client = gw.client("sk-tpm-abort");
    const words = Array.from({ length: 600 }, (_, i) => `w${i}`).join(" ");
    fake.always({ reply: { text: words, usage: { prompt: 11, completion: 600 } }, chunkIntervalMs: 2 });
    const controller = new AbortController();
    const { data: stream, response } = await client.chat.completions
      .create({ ...hello, max_completion_tokens: 800, stream: true }, { signal: controller.signal })
      .withResponse();
    const reserved = 1_000 - num(response.headers, "x-ratelimit-remaining-tokens");
    const prompt = reserved - 800;
    await abortAfter(stream, controller, 100);
    await eventually(() => expect(requestLines(gw).filter((l) => l["keyName"] === "tpm-abort")).toHaveLength(1));
    await eventually(() => expect(fake.lastChat.aborted).toBe(true));

    fake.reset();
    const next = await client.chat.completions.create({ ...hello, max_completion_tokens: 1 }).withResponse();
    const charged = 1_000 - (prompt + 1) - num(next.response.headers, "x-ratelimit-remaining-tokens");
    // about one token per streamed event: at least the 100 the client read (less a little refill),
    // far from the 800 reserved for the answer
    expect(charged).toBeGreaterThan(prompt + 80);
    expect(charged).toBeLessThan(prompt + 600);
  });

  it("answers a tpm-limited prompt of one endless word without spaces, and estimates it close to the real count", async () => {
    await loadTokenizer(); // the gateway loads it in the background; count with it, not the approximation
    let state = 3;
    let word = "";
    while (word.length < 23_000) {
      state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
      word += String.fromCharCode(0x915 + (state % 36)); // Devanagari consonants
    }
    fake.always({ reply: { text: "ठीक है", usage: { prompt: 25_000, completion: 3 } } });
    const { data, response } = await gw
      .client("sk-tpm-script")
      .chat.completions.create({ model: "fast", messages: [{ role: "user", content: word }], max_completion_tokens: 10 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("ठीक है");
    expect((fake.lastChat.body as { messages: { content: string }[] }).messages[0]?.content).toBe(word);

    const estimate = 100_000 - num(response.headers, "x-ratelimit-remaining-tokens") - 10;
    let reference = 0; // counting the whole word at once is the slow case; 400-character slices are close
    for (let at = 0; at < word.length; at += 400) reference += countTokens(word.slice(at, at + 400));
    expect(estimate / reference).toBeGreaterThan(0.9);
    expect(estimate / reference).toBeLessThan(1.1);
  });

  it("refuses past max_concurrent and frees the slot when a request ends", async () => {
    const client = gw.client("sk-conc");
    fake.always({ delayMs: 400 });
    const running = [client.chat.completions.create(hello), client.chat.completions.create(hello)];
    await eventually(() => expect(fake.chatRequests).toHaveLength(2));
    const error = await refusal(client.chat.completions.create(hello));
    expect(error.status).toBe(429);
    expect(error.message).toContain("concurrent requests: limit 2");
    expect(error.headers?.get("retry-after")).toBe("1");
    await Promise.all(running);
    fake.always({});
    await expect(client.chat.completions.create(hello)).resolves.toMatchObject({ object: "chat.completion" });
    expect(fake.chatRequests).toHaveLength(3);
  });

  it("frees the slot after an upstream error and after a client abort", async () => {
    const client = gw.client("sk-conc-err");
    fake.script({ status: 500 });
    expect((await refusal(client.chat.completions.create(hello))).status).toBe(502);
    await expect(client.chat.completions.create(hello)).resolves.toMatchObject({ object: "chat.completion" });

    fake.script({ hang: true });
    const controller = new AbortController();
    const hanging = client.chat.completions.create(hello, { signal: controller.signal });
    await eventually(() => expect(fake.chatRequests).toHaveLength(3));
    controller.abort();
    await expect(hanging).rejects.toThrow();
    await eventually(async () => {
      await expect(client.chat.completions.create(hello)).resolves.toMatchObject({ object: "chat.completion" });
    });
  });

  it("puts the x-ratelimit headers on streams and on errors too", async () => {
    const client = gw.client("sk-errors");
    const { response } = await client.chat.completions.create({ ...hello, stream: true }).withResponse();
    await response.text();
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    for (const name of ["requests", "tokens"]) {
      expect(response.headers.get(`x-ratelimit-limit-${name}`)).toMatch(/^\d+$/);
      expect(response.headers.get(`x-ratelimit-remaining-${name}`)).toMatch(/^\d+$/);
      expect(response.headers.get(`x-ratelimit-reset-${name}`)).toMatch(/^(\d+ms|(\d+h)?(\d+m)?\d+(\.\d+)?s)$/);
    }
    fake.script({ status: 503 });
    const error = await refusal(client.chat.completions.create(hello));
    expect(error.status).toBe(502);
    expect(error.headers?.get("x-ratelimit-limit-requests")).toBe("10");
    expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("8");
    expect(error.headers?.get("x-ratelimit-limit-tokens")).toBe("50000");
  });

  it("applies a public model's limit to all keys together, naming the model", async () => {
    const shared = { ...hello, model: "shared" };
    await gw.client("sk-team-x").chat.completions.create(shared);
    await gw.client("sk-team-y").chat.completions.create(shared);
    const error = await refusal(gw.client("sk-team-x").chat.completions.create(shared));
    expect(error.status).toBe(429);
    expect(error.message).toContain('model "shared" (shared by all keys)');
    await expect(gw.client("sk-team-x").chat.completions.create(hello)).resolves.toMatchObject({ object: "chat.completion" });
  });

  it("refuses a model the key may not use with 403, before any limit is charged", async () => {
    const client = gw.client("sk-narrow");
    const error = await refusal(client.chat.completions.create({ ...hello, model: "other" }));
    expect(error.status).toBe(403);
    const { response } = await client.chat.completions.create(hello).withResponse();
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("4");
    expect(fake.chatRequests).toHaveLength(1);
  });
});

/** Parses "1m26.4s" / "850ms" back to milliseconds. */
function resetMs(value: string | null | undefined): number {
  const text = value ?? "";
  if (text.endsWith("ms")) return Number(text.slice(0, -2));
  const match = /^(?:(\d+)h)?(?:(\d+)m)?([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`not a reset duration: ${text}`);
  return ((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3])) * 1_000;
}

describe("rate limits across a config reload", () => {
  it("keeps counting what a key used and applies the new limits to new requests", async () => {
    const fake = await startOpenAIFake();
    const config = (rpm: number) => ({
      server: { host: "127.0.0.1", port: 0 },
      providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${fake.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } },
      keys: [{ name: "team", key: "sk-team", rpm }],
    });
    const gw = await startTestGateway(config(3));
    try {
      const client = gw.client("sk-team");
      await client.chat.completions.create(hello);
      await client.chat.completions.create(hello);
      gw.running.reload(configFromObject(config(5), "reloaded"));
      const { response } = await client.chat.completions.create(hello).withResponse();
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("5");
      expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    } finally {
      await gw.stop();
      await fake.close();
    }
  });
});
