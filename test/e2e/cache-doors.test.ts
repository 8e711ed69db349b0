// The response cache on the Messages and Responses doors' translated lanes, end to end: the real
// @anthropic-ai/sdk and openai SDKs (and plain HTTP where the event stream is validated) against
// fake upstreams. A repeat is served from the canonical entry in the door's own form with fresh
// ids, the upstream sees one call, native lanes stay uncached, and stored Responses still work.
import Anthropic from "@anthropic-ai/sdk";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { validateEventStream } from "../dialects/anthropic-messages/event-stream-validator.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { requestLines, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkResponse, checkStream, parseEvents } from "../harness/responses-spec.ts";
import { scrape } from "../telemetry/scrape.ts";

const fresh = (label: string) => `${label} ${randomUUID()}`;
const bash = { name: "Bash", description: "Runs a command", input_schema: { type: "object" as const, properties: { command: { type: "string" } }, required: ["command"] } };

describe("response cache on the translated lanes", () => {
  let up: FakeUpstream;
  let claude: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;
  let now = Date.now();
  let anthropic: Anthropic;

  beforeAll(async () => {
    [up, claude, native] = await Promise.all([startOpenAIFake(), startAnthropicFake(), startOpenAIResponsesFake()]);
    gw = await startTestGateway(
      {
        providers: {
          up: { type: "openai", api_key: "sk-up", base_url: `${up.origin}/v1` },
          claude: { type: "anthropic", api_key: "sk-ant", base_url: claude.origin },
          native: { type: "openai", api_key: "sk-native", base_url: `${native.origin}/v1`, responses: true },
        },
        models: {
          "claude-cached": { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true },
          "claude-native": { targets: [{ provider: "claude", model: "claude-sonnet-4-6" }], cache: true },
          "gpt-cached": { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true },
          "gpt-native": { targets: [{ provider: "native", model: "gpt-4.1" }], cache: true },
        },
        keys: [{ name: "team-a", key: "sk-a" }],
        cache: { ttl_s: 600 },
        resilience: { retries: 0, backoff_ms: 0, max_backoff_ms: 0 },
      },
      {},
      { cacheClock: () => now },
    );
    anthropic = new Anthropic({ apiKey: "sk-a", baseURL: gw.url, maxRetries: 0, timeout: 30_000 });
  });
  afterAll(() => stopAll(gw, up, claude, native));
  beforeEach(() => {
    resetAll(up, claude, native);
    now = Date.now();
  });

  const openai = () => gw.client("sk-a");
  const post = (path: string, body: unknown) =>
    fetch(`${gw.baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-a" }, body: JSON.stringify(body) });

  describe("Messages", () => {
    const turn = (text: string, extra: Record<string, unknown> = {}) => ({ model: "claude-cached", max_tokens: 256, messages: [{ role: "user" as const, content: text }], ...extra });

    it("keeps the stop string the upstream named: a streamed miss, then a JSON hit and a streamed hit, all report stop_sequence", async () => {
      up.script({ reply: { text: "Hi. ", finish: "stop", stopReason: "STOP", usage: { prompt: 9, completion: 2 } } });
      const body = turn(fresh("say hi, then STOP"), { stop_sequences: ["STOP"] });
      const miss = await anthropic.messages.stream(body).finalMessage();
      const hit = await anthropic.messages.create(body).withResponse();
      const streamedHit = await anthropic.messages.stream(body).finalMessage();

      expect(up.chatRequests).toHaveLength(1);
      expect(hit.response.headers.get("x-llm-cache")).toBe("hit");
      for (const answer of [miss, hit.data, streamedHit]) {
        expect(answer).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "STOP", content: [{ type: "text", text: "Hi. " }] });
      }
    });

    it("serves a repeat from the cache as an Anthropic message with a fresh id: one upstream call, age, metrics and log by api", async () => {
      const before = await scrape(`${gw.url}/metrics`);
      up.script({ reply: { text: "Paris.", usage: { prompt: 11, completion: 2 } } });
      const body = turn(fresh("capital of France?"));
      const first = await anthropic.messages.create(body).withResponse();
      now += 5_000;
      const second = await anthropic.messages.create(body).withResponse();

      expect(first.response.headers.get("x-llm-cache")).toBe("miss");
      expect(second.response.headers.get("x-llm-cache")).toBe("hit");
      expect(second.response.headers.get("age")).toBe("5");
      expect(up.chatRequests).toHaveLength(1);
      expect(second.data.content).toEqual([{ type: "text", text: "Paris." }]);
      expect(second.data).toMatchObject({ type: "message", role: "assistant", model: "claude-cached", stop_reason: "end_turn", usage: { input_tokens: 11, output_tokens: 2 } });
      expect(second.data.id).toMatch(/^msg_/);
      expect(second.data.id).not.toBe(first.data.id);

      const after = await scrape(`${gw.url}/metrics`);
      const hits = 'llm_gateway_cache_hits_total{api="messages",model="claude-cached",tier="memory"}';
      const misses = 'llm_gateway_cache_misses_total{api="messages",model="claude-cached",tier="memory"}';
      expect((after.get(hits) ?? 0) - (before.get(hits) ?? 0)).toBe(1);
      expect((after.get(misses) ?? 0) - (before.get(misses) ?? 0)).toBe(1);
      expect(requestLines(gw).slice(-2).map((line) => [line["api"], line["cache"]])).toEqual([
        ["messages", "miss"],
        ["messages", "hit"],
      ]);
    });

    it("replays a stored tool call as a valid event stream, and a streamed miss as JSON", async () => {
      const input = { command: "ls -la" };
      up.script({ reply: { text: "Let me look.", toolCalls: [{ id: "call_1", name: "Bash", arguments: input }], finish: "tool_calls", usage: { prompt: 40, completion: 12 } } });
      const text = fresh("list the files");
      const body = turn(text, { tools: [bash], stream: true });
      const missed = await post("/messages", body);
      expect(missed.headers.get("x-llm-cache")).toBe("miss");
      const live = validateEventStream(await missed.text());

      const replayed = await post("/messages", body);
      expect(replayed.headers.get("x-llm-cache")).toBe("hit");
      expect(replayed.headers.get("content-type")).toContain("text/event-stream");
      const built = validateEventStream(await replayed.text());
      expect(built.content).toEqual(live.content);
      expect(built.content).toEqual([
        { type: "text", text: "Let me look." },
        { type: "tool_use", id: expect.stringMatching(/^[a-zA-Z0-9_-]+$/) as unknown, name: "Bash", input },
      ]);
      expect(built.stop_reason).toBe("tool_use");
      expect(built.usage).toMatchObject({ input_tokens: 40, output_tokens: 12 });
      expect(built.id).not.toBe(live.id);

      const json = await anthropic.messages.create(turn(text, { tools: [bash] })).withResponse();
      expect(json.response.headers.get("x-llm-cache")).toBe("hit");
      expect(json.data.content).toEqual(live.content);

      const streamed = anthropic.messages.stream(turn(text, { tools: [bash] }));
      const final = await streamed.finalMessage();
      expect(final.content).toEqual(live.content);
      expect(up.chatRequests).toHaveLength(1);
    });

    it("keys on the canonical request: adjustments the translation reports still cache, a changed field misses", async () => {
      const text = fresh("think about it");
      const body = turn(text, { top_k: 5, metadata: { user_id: "u-1" } });
      const first = await anthropic.messages.create(body).withResponse();
      expect(first.response.headers.get("x-llm-warnings")).toContain("top_k ignored");
      const again = await anthropic.messages.create({ ...body, metadata: { user_id: "u-2" } }).withResponse();
      expect(again.response.headers.get("x-llm-cache")).toBe("hit");
      const warmer = await anthropic.messages.create(turn(text, { top_k: 5, temperature: 0.9 })).withResponse();
      expect(warmer.response.headers.get("x-llm-cache")).toBe("miss");
      expect(up.chatRequests).toHaveLength(2);
    });

    it("never answers the chat door from a Messages entry (the key names the door)", async () => {
      const text = fresh("same words, other door");
      await anthropic.messages.create(turn(text));
      const chat = await openai().chat.completions.create({ model: "claude-cached", max_tokens: 256, messages: [{ role: "user", content: text }] }).withResponse();
      expect(chat.response.headers.get("x-llm-cache")).toBe("miss");
      expect(up.chatRequests).toHaveLength(2);
    });

    it("makes one upstream call for five identical requests in flight together", async () => {
      up.script({ delayMs: 200, reply: { text: "one answer" } });
      const body = turn(fresh("together"));
      const answers = await Promise.all(Array.from({ length: 5 }, () => anthropic.messages.create(body).withResponse()));
      expect(up.chatRequests).toHaveLength(1);
      expect(answers.map((a) => a.data.content)).toEqual(Array(5).fill([{ type: "text", text: "one answer" }]));
      expect(answers.map((a) => a.response.headers.get("x-llm-cache")).sort()).toEqual(["hit", "hit", "hit", "hit", "miss"]);
      expect(new Set(answers.map((a) => a.data.id)).size).toBe(5);
    });

    it("stores no error and no cut stream", async () => {
      const body = turn(fresh("fails first"), { stream: true });
      up.script({ cutAfterFrames: 2 });
      await (await post("/messages", body)).text();
      const after = await post("/messages", body);
      expect(after.headers.get("x-llm-cache")).toBe("miss");
      validateEventStream(await after.text());
      expect(up.chatRequests).toHaveLength(2);
    });

    it("leaves the native lane uncached: no header, every request upstream", async () => {
      const body = { model: "claude-native", max_tokens: 64, messages: [{ role: "user" as const, content: fresh("native") }] };
      const first = await anthropic.messages.create(body).withResponse();
      await anthropic.messages.create(body);
      expect(first.response.headers.get("x-llm-cache")).toBeNull();
      expect(claude.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    });
  });

  describe("Responses", () => {
    it("serves a repeat with a new response id, stored, so GET and previous_response_id work after a hit", async () => {
      up.script({ reply: { text: "Sunny.", usage: { prompt: 9, completion: 2 } } }, { reply: { text: "Still sunny." } });
      const body = { model: "gpt-cached", input: fresh("Weather in Paris?") };
      const first = await openai().responses.create(body).withResponse();
      now += 3_000;
      const second = await openai().responses.create(body).withResponse();

      expect(first.response.headers.get("x-llm-cache")).toBe("miss");
      expect(second.response.headers.get("x-llm-cache")).toBe("hit");
      expect(second.response.headers.get("age")).toBe("3");
      expect(checkResponse(second.data)).toEqual([]);
      expect(second.data.output_text).toBe("Sunny.");
      expect(second.data.usage?.total_tokens).toBe(11);
      expect(second.data.id).toMatch(/^resp_/);
      expect(second.data.id).not.toBe(first.data.id);
      expect(up.chatRequests).toHaveLength(1);

      const stored = await openai().responses.retrieve(second.data.id);
      expect(stored.output_text).toBe("Sunny.");
      const next = await openai().responses.create({ model: "gpt-cached", previous_response_id: second.data.id, input: "And tomorrow?" });
      expect(next.output_text).toBe("Still sunny.");
      const history = up.lastChat.raw;
      expect(history).toContain("Weather in Paris?");
      expect(history).toContain("Sunny.");
      expect(history).toContain("And tomorrow?");
      const logged = requestLines(gw).filter((line) => line["api"] === "responses" && line["cache"] !== undefined);
      expect(logged.slice(-3).map((line) => line["cache"])).toEqual(["miss", "hit", "miss"]);
    });

    it("keys previous_response_id on the conversation it stands for: two chains with the same history share an entry", async () => {
      up.script({ reply: { text: "Answer one." } }, { reply: { text: "Answer two." } }, { reply: { text: "Answer three." } });
      const opening = { model: "gpt-cached", input: fresh("First question") };
      const a = await openai().responses.create(opening);
      const b = await openai().responses.create(opening);
      expect(b.output_text).toBe(a.output_text);

      const followA = await openai().responses.create({ model: "gpt-cached", previous_response_id: a.id, input: "Second question" }).withResponse();
      const followB = await openai().responses.create({ model: "gpt-cached", previous_response_id: b.id, input: "Second question" }).withResponse();
      expect(followA.response.headers.get("x-llm-cache")).toBe("miss");
      expect(followB.response.headers.get("x-llm-cache")).toBe("hit");
      expect(followB.data.output_text).toBe("Answer two.");
      expect(followB.data.previous_response_id).toBe(b.id);

      const other = await openai().responses.create({ model: "gpt-cached", previous_response_id: b.id, input: "Another question" }).withResponse();
      expect(other.response.headers.get("x-llm-cache")).toBe("miss");
      expect(other.data.output_text).toBe("Answer three.");
      expect(up.chatRequests).toHaveLength(3);
    });

    it("replays an entry as a spec-valid event stream, and responses.stream() accumulates it", async () => {
      up.script({ reply: { text: "It is sunny in Paris today.", usage: { prompt: 12, completion: 7 } } });
      const input = fresh("Weather, streamed?");
      await openai().responses.create({ model: "gpt-cached", input });

      const raw = await post("/responses", { model: "gpt-cached", input, stream: true });
      expect(raw.headers.get("x-llm-cache")).toBe("hit");
      const { events, problems } = parseEvents(await raw.text());
      expect(problems).toEqual([]);
      expect(checkStream(events)).toEqual([]);
      expect(events.at(-1)?.["type"]).toBe("response.completed");

      const stream = openai().responses.stream({ model: "gpt-cached", input });
      let deltas = "";
      for await (const event of stream) if (event.type === "response.output_text.delta") deltas += event.delta;
      const final = await stream.finalResponse();
      expect(deltas).toBe("It is sunny in Paris today.");
      expect(checkResponse(final)).toEqual([]);
      expect(final.usage?.total_tokens).toBe(19);
      expect(up.chatRequests).toHaveLength(1);
    });

    it("a streamed miss becomes the entry a JSON repeat is served from; store: false stores no response", async () => {
      up.script({ reply: { text: "Streamed once." } });
      const input = fresh("stream first");
      const stream = openai().responses.stream({ model: "gpt-cached", input, store: false });
      const live = await stream.finalResponse();
      const again = await openai().responses.create({ model: "gpt-cached", input, store: false }).withResponse();
      expect(again.response.headers.get("x-llm-cache")).toBe("hit");
      expect(again.data.output_text).toBe(live.output_text);
      expect((again.data as { store?: boolean }).store).toBe(false);
      await expect(openai().responses.retrieve(again.data.id)).rejects.toMatchObject({ status: 404 });
      expect(up.chatRequests).toHaveLength(1);
    });

    it("makes one upstream call for five identical requests in flight together", async () => {
      up.script({ delayMs: 200, reply: { text: "shared" } });
      const body = { model: "gpt-cached", input: fresh("five at once") };
      const answers = await Promise.all(Array.from({ length: 5 }, () => openai().responses.create(body).withResponse()));
      expect(up.chatRequests).toHaveLength(1);
      expect(answers.map((a) => a.data.output_text)).toEqual(Array(5).fill("shared"));
      expect(new Set(answers.map((a) => a.data.id)).size).toBe(5);
    });

    it("leaves the native lane uncached: no header, every request upstream", async () => {
      const body = { model: "gpt-native", input: fresh("native") };
      const first = await openai().responses.create(body).withResponse();
      await openai().responses.create(body);
      expect(first.response.headers.get("x-llm-cache")).toBeNull();
      expect(native.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    });
  });
});
