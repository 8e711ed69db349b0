// `x-llm-budget-remaining-usd` on every response for a budgeted key, on every door and every
// class of answer: served, counted, listed, stored responses relayed from the native lane, and
// refused before admission (bad body, policy, unknown model, too large, unknown URL), and while
// the limits store is away (the last standing read, with its time). Read by
// the real openai and Anthropic SDKs from their raw responses. Prices make costs whole
// micro-dollars (`fast`: 2 per prompt token, 10 per completion token; `vectors`: 3 per token).
import Anthropic, { APIError as AnthropicError } from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { apiError, drain } from "../harness/client-calls.ts";
import { eventually, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { redisServerAvailable, startRedisServer, type RedisServer } from "../harness/redis-server.ts";

const FAST_PRICE = { input_per_mtok: 2, output_per_mtok: 10 };
const fastCost = (prompt: number, completion: number) => prompt * 2 + completion * 10;
const usd = (micros: number) => (micros / 1_000_000).toFixed(6);
const REMAINING = "x-llm-budget-remaining-usd";
const AS_OF = "x-llm-budget-as-of";

interface KeyView {
  budget: { spent_usd: number; held_usd: number } | null;
}

describe("x-llm-budget-remaining-usd on every response for a budgeted key", () => {
  let chat: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  let anthropic: Anthropic;
  /** micro-USD charged so far to the key `doors`: what every header must be computed from. */
  let spent = 0;

  beforeAll(async () => {
    [chat, native] = await Promise.all([startOpenAIFake(), startOpenAIResponsesFake()]);
    gw = await startTestGateway({
      server: { host: "127.0.0.1", port: 0, body_limit_bytes: 4_096 },
      providers: {
        compat: { type: "openai", api_key: "sk-upstream", base_url: `${chat.origin}/v1` },
        oa: { type: "openai", api_key: "sk-native", base_url: `${native.origin}/v1`, responses: true },
      },
      models: {
        fast: { targets: [{ provider: "compat", model: "gpt-4o-mini" }], price: FAST_PRICE },
        gpt: { targets: [{ provider: "oa", model: "gpt-5.1" }], price: FAST_PRICE },
        vectors: { kind: "embeddings", targets: [{ provider: "compat", model: "text-embedding-3-small" }], price: { input_per_mtok: 3, output_per_mtok: 0 } },
        blocked: { targets: [{ provider: "compat", model: "gpt-4o" }], price: FAST_PRICE },
      },
      keys: [
        { name: "doors", key: "sk-doors", models: ["fast", "gpt", "vectors"], budget: { usd: 1, period: "day" } },
        { name: "plain", key: "sk-plain" },
      ],
      limits: { store: "memory", default_max_tokens: 100 },
      resilience: { retries: 0 },
    });
    client = gw.client("sk-doors");
    anthropic = new Anthropic({ apiKey: "sk-doors", baseURL: gw.url, maxRetries: 0 });
  });
  afterAll(() => stopAll(gw, chat, native));

  /** Waits until the key's last request is settled, then checks the store charged exactly `spent`. */
  async function settled(): Promise<void> {
    await eventually(async () => {
      const view = await client.get<KeyView>("/key");
      expect(view.budget?.held_usd).toBe(0);
      expect(Math.round((view.budget?.spent_usd ?? Number.NaN) * 1e6)).toBe(spent);
    }, 10_000);
  }

  /** The header says what remains now (before this request's own charge), read from the store, not estimated. */
  function expectStanding(headers: Headers | undefined, what: string): void {
    expect(headers?.get(REMAINING), what).toBe(usd(1_000_000 - spent));
    expect(headers?.get(AS_OF) ?? null, what).toBeNull();
  }

  it("on every door's answers, charged or free, JSON or stream, and on the routes that never admit", async () => {
    chat.always({ reply: { text: "hello there", usage: { prompt: 11, completion: 7 } } });
    const completion = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expectStanding(completion.response.headers, "chat");
    spent += fastCost(11, 7);
    await settled();

    const stream = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], stream: true }).withResponse();
    expectStanding(stream.response.headers, "chat stream");
    await drain(stream.data);
    spent += fastCost(11, 7);
    await settled();

    const vectors = await client.embeddings.create({ model: "vectors", input: ["alpha beta", "gamma"] }).withResponse();
    expectStanding(vectors.response.headers, "embeddings");
    spent += vectors.data.usage.prompt_tokens * 3;
    await settled();

    chat.always({ reply: { text: "from messages", usage: { prompt: 20, completion: 4 } } });
    const message = await anthropic.messages.create({ model: "fast", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }).withResponse();
    expectStanding(message.response.headers, "messages");
    spent += fastCost(20, 4);
    await settled();

    const counted = await anthropic.messages.countTokens({ model: "fast", messages: [{ role: "user", content: "count me" }] }).withResponse();
    expect(counted.data.input_tokens).toBeGreaterThan(0);
    expectStanding(counted.response.headers, "count_tokens");

    native.always({ reply: { text: "native answer", usage: { prompt: 9, completion: 3 } } });
    const created = await client.responses.create({ model: "gpt", input: "hi", max_output_tokens: 40 }).withResponse();
    expectStanding(created.response.headers, "responses");
    spent += fastCost(9, 3);
    await settled();
    const id = created.data.id;

    // the stored-response routes relay the upstream's answer themselves: read before they run
    const retrieved = await client.responses.retrieve(id).withResponse();
    expect(retrieved.data.output_text).toBe("native answer");
    expectStanding(retrieved.response.headers, "GET /responses/{id}");
    const items = await client.responses.inputItems.list(id).withResponse();
    expectStanding(items.response.headers, "GET /responses/{id}/input_items");
    const inputTokens = await client.responses.inputTokens.count({ model: "fast", input: "how many?" }).withResponse();
    expect(inputTokens.data.input_tokens).toBeGreaterThan(0);
    expectStanding(inputTokens.response.headers, "POST /responses/input_tokens");
    const models = await client.models.list().withResponse();
    expectStanding(models.response.headers, "GET /models");
    const model = await client.models.retrieve("fast").withResponse();
    expectStanding(model.response.headers, "GET /models/{id}");
    const own = await client.get<KeyView>("/key").withResponse();
    expectStanding(own.response.headers, "GET /key");
    const deleted = await client.responses.delete(id).withResponse();
    expectStanding(deleted.response.headers, "DELETE /responses/{id}");
    expect(native.requests.at(-1)).toMatchObject({ method: "DELETE", path: `/v1/responses/${id}` });

    // none of the free answers charged anything
    await settled();
  });

  it("on answers refused before admission: bad body, policy, unknown model, too large, unknown URL", async () => {
    await settled();
    const upstreamCalls = chat.requests.length;
    const badBody = await apiError(client.chat.completions.create({ model: "fast", messages: "not a list" as never }));
    expect(badBody.status).toBe(400);
    expectStanding(badBody.headers, "400");

    const policy = await apiError(client.chat.completions.create({ model: "blocked", messages: [{ role: "user", content: "hi" }] }));
    expect([policy.status, policy.code]).toEqual([403, "model_not_allowed"]);
    expectStanding(policy.headers, "403");

    const unknown = await apiError(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }));
    expect(unknown.status).toBe(404);
    expectStanding(unknown.headers, "404 model");

    const tooLarge = await apiError(client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "x".repeat(8_000) }] }));
    expect(tooLarge.status).toBe(413);
    expectStanding(tooLarge.headers, "413");

    const embedBad = await apiError(client.embeddings.create({ model: "vectors", input: [] }));
    expect(embedBad.status).toBe(400);
    expectStanding(embedBad.headers, "400 embeddings");

    const missing = await apiError(client.responses.retrieve("resp_does_not_exist"));
    expect(missing.status).toBe(404);
    expectStanding(missing.headers, "404 stored response");

    const nowhere = await apiError(client.get("/no/such/route"));
    expect(nowhere.status).toBe(404);
    expectStanding(nowhere.headers, "404 URL");

    // the Messages door refuses in its own envelope, with the same header
    const anthropicBad = await anthropic.messages.create({ model: "fast", max_tokens: 10, messages: "not a list" as never }).then(
      () => expect.unreachable("a body that is not a conversation must be refused"),
      (e: unknown) => e,
    );
    expect(anthropicBad).toBeInstanceOf(AnthropicError);
    const refusal = anthropicBad as InstanceType<typeof AnthropicError>;
    expect(refusal.status).toBe(400);
    expectStanding(refusal.headers, "400 messages");

    expect(chat.requests.length).toBe(upstreamCalls);
  });

  it("only for budgeted keys", async () => {
    chat.always({ reply: { text: "free", usage: { prompt: 1, completion: 1 } } });
    const plain = gw.client("sk-plain");
    const { response } = await plain.chat.completions.create({ model: "blocked", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(response.headers.get(REMAINING)).toBeNull();
    expect((await plain.models.list().withResponse()).response.headers.get(REMAINING)).toBeNull();
    expect((await apiError(plain.chat.completions.create({ model: "nope", messages: [] }))).headers?.get(REMAINING)).toBeNull();
  });
});

describe.skipIf(!redisServerAvailable())("x-llm-budget-remaining-usd while the limits store is away (on_store_error: closed)", () => {
  let redis: RedisServer;
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    [redis, up] = await Promise.all([startRedisServer(), startOpenAIFake()]);
    gw = await startTestGateway({
      providers: { up: { type: "openai", api_key: "sk-upstream", base_url: `${up.origin}/v1` } },
      models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], price: FAST_PRICE } },
      keys: [{ name: "closed", key: "sk-closed", budget: { usd: 1, period: "day" } }],
      limits: { store: "redis", redis_url: redis.url, on_store_error: "closed", default_max_tokens: 100 },
      resilience: { retries: 0 },
    });
  });
  afterAll(async () => {
    await stopAll(gw, up);
    await redis.stop();
  });

  it("refuses with 503 and tells the last standing read, with the time of that read", async () => {
    const client = gw.client("sk-closed");
    up.always({ reply: { text: "x", usage: { prompt: 11, completion: 7 } } });
    await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    await eventually(async () => expect((await client.get<KeyView>("/key")).budget).toMatchObject({ spent_usd: 0.000092, held_usd: 0 }), 10_000);
    const readBefore = Date.now();
    await client.models.list(); // the last read before the outage
    await redis.kill();

    const refused = await apiError(client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] }));
    expect([refused.status, refused.code]).toEqual([503, "rate_limit_store_unavailable"]);
    expect(refused.headers?.get(REMAINING)).toBe(usd(1_000_000 - fastCost(11, 7)));
    const asOf = Date.parse(refused.headers?.get(AS_OF) ?? "");
    expect(asOf).toBeGreaterThanOrEqual(readBefore - 1_000);
    expect(asOf).toBeLessThanOrEqual(Date.now());
    const listed = await client.models.list().withResponse();
    expect(listed.response.headers.get(REMAINING)).toBe(usd(1_000_000 - fastCost(11, 7)));
    expect(listed.response.headers.get(AS_OF)).not.toBeNull();
    expect(up.chatRequests).toHaveLength(1);

    await redis.restart(); // empty: not persistent, so the budget starts over, and says so without as-of
    await eventually(async () => {
      const { response } = await client.models.list().withResponse();
      expect(response.headers.get(AS_OF)).toBeNull();
      expect(response.headers.get(REMAINING)).toBe(usd(1_000_000));
    }, 15_000);
  });
});
