// Stored Responses end to end: store defaults to true, previous_response_id and item_reference
// rebuild the conversation for the upstream, GET/DELETE/input_items read the store, another key
// sees nothing, and `store: false` keeps nothing. Then the native lane: the body passes to an
// OpenAI provider with `responses: true`, and a follow-up goes to the provider that holds it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { apiError } from "../harness/client-calls.ts";
import { resetAll, startResponsesLanes, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkResponse, checkStream, parseEvents } from "../harness/responses-spec.ts";

interface ChatBody {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: unknown[] }[];
}

describe("Responses door: stored state and the native lane", () => {
  let chat: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    ({ chat, native, gw } = await startResponsesLanes({
      models: { either: { targets: [{ provider: "oa", model: "gpt-5.1" }, { provider: "compat", model: "qwen3" }] } },
      keys: ["alice", "bob"],
    }));
  });
  afterAll(() => stopAll(gw, chat, native));
  beforeEach(() => resetAll(chat, native));

  const alice = () => gw.client("sk-alice");
  const bob = () => gw.client("sk-bob");
  const sentMessages = () => (chat.lastChat.body as ChatBody).messages;

  it("continues from previous_response_id with the earlier input and output, not the earlier instructions", async () => {
    chat.script({ reply: { text: "Nice to meet you, Ada." } }, { reply: { text: "Your name is Ada." } });
    const first = await alice().responses.create({ model: "local", instructions: "Be brief.", input: "My name is Ada." });
    expect((first as unknown as { store: boolean }).store).toBe(true);
    const second = await alice().responses.create({ model: "local", instructions: "Be precise.", input: "What is my name?", previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    expect(sentMessages()).toEqual([
      { role: "system", content: "Be precise." },
      { role: "user", content: "My name is Ada." },
      { role: "assistant", content: "Nice to meet you, Ada." },
      { role: "user", content: "What is my name?" },
    ]);
  });

  it("resolves item_reference to stored output items", async () => {
    chat.script({ reply: { text: "Hello Ada." } }, { reply: { text: "Ok." } });
    const first = await alice().responses.create({ model: "local", input: "Hi, I am Ada." });
    const message = first.output[0];
    expect(message?.id).toMatch(/^msg_/);
    await alice().responses.create({
      model: "local",
      input: [{ role: "user", content: "Hi, I am Ada." }, { type: "item_reference", id: message?.id ?? "" }, { role: "user", content: "Who am I?" }],
    });
    expect(sentMessages().map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(sentMessages()[1]).toEqual({ role: "assistant", content: "Hello Ada." });
  });

  it("drops reasoning items the translated upstream cannot use instead of rejecting them", async () => {
    chat.script({ reply: { text: "Fine." } });
    const res = await alice().responses.create({
      model: "local",
      input: [{ type: "reasoning", id: "rs_upstream", summary: [] }, { role: "user", content: "Go on." }],
    });
    expect(res.output_text).toBe("Fine.");
    expect(sentMessages()).toEqual([{ role: "user", content: "Go on." }]);
  });

  it("serves GET, input_items and DELETE to the creating key only; another key gets a 404", async () => {
    chat.script({ reply: { text: "Stored answer." } });
    const created = await alice().responses.create({ model: "local", input: [{ role: "user", content: "keep this" }] });
    const got = await alice().responses.retrieve(created.id);
    expect(checkResponse(got)).toEqual([]);
    expect(got.output_text).toBe("Stored answer.");
    expect(got.output).toEqual(created.output);

    const items = await alice().responses.inputItems.list(created.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: "message", role: "user", content: "keep this" });

    const theirs = await apiError(bob().responses.retrieve(created.id));
    expect(theirs.status).toBe(404);
    expect(theirs.message).toContain(created.id);
    expect((await apiError(bob().responses.delete(created.id))).status).toBe(404);
    expect((await apiError(bob().responses.create({ model: "local", input: "x", previous_response_id: created.id }))).status).toBe(404);

    await alice().responses.delete(created.id);
    expect((await apiError(alice().responses.retrieve(created.id))).status).toBe(404);
  });

  it("keeps nothing with store: false; a later reference to it is a 404 in OpenAI's words", async () => {
    chat.script({ reply: { text: "Ephemeral." } });
    const created = await alice().responses.create({ model: "local", input: "hi", store: false });
    expect((created as unknown as { store: boolean }).store).toBe(false);
    const error = await apiError(alice().responses.retrieve(created.id));
    expect(error.status).toBe(404);
    const follow = await apiError(alice().responses.create({ model: "local", input: "again", previous_response_id: created.id }));
    expect(follow.status).toBe(404);
    expect(follow.message).toBe(`404 Previous response with id '${created.id}' not found.`);
    const ref = await apiError(alice().responses.create({ model: "local", input: [{ type: "item_reference", id: created.output[0]?.id ?? "" }] }));
    expect(ref.status).toBe(404);
  });

  it("stores a streamed response before its terminal event, so it can be read as soon as the stream ends", async () => {
    chat.script({ reply: { text: "A", toolCalls: [{ id: "call_a", name: "a", arguments: { x: 1 } }, { id: "call_b", name: "b", arguments: { y: 2 } }] } });
    const res = await fetch(`${gw.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-alice" },
      body: JSON.stringify({ model: "local", input: "two calls", stream: true, tools: [{ type: "function", name: "a", parameters: {} }, { type: "function", name: "b", parameters: {} }] }),
    });
    const { events } = parseEvents(await res.text());
    expect(checkStream(events)).toEqual([]);
    const terminal = events.at(-1) as { response: { id: string; output: { type: string }[] } };
    expect(terminal.response.output.map((item) => item.type)).toEqual(["message", "function_call", "function_call"]);
    const got = await alice().responses.retrieve(terminal.response.id);
    expect(got.output).toEqual(terminal.response.output);
  });

  it("counts input tokens with POST /v1/responses/input_tokens", async () => {
    const counted = await alice().responses.inputTokens.count({ model: "local", instructions: "Be brief.", input: "How many tokens is this?" });
    expect(counted.object).toBe("response.input_tokens");
    expect(counted.input_tokens).toBeGreaterThan(5);
    expect(counted.input_tokens).toBeLessThan(60);
    expect(chat.requests).toHaveLength(0);
  });

  describe("native lane", () => {
    it("passes the body to a provider with responses: true, with only the model set", async () => {
      native.script({ reply: { text: "Native hello.", usage: { prompt: 9, completion: 3 } } });
      const res = await alice().responses.create({
        model: "gpt",
        input: "hello",
        tools: [{ type: "web_search" }],
        include: ["reasoning.encrypted_content"],
        prompt_cache_key: "k1",
      });
      expect(res.output_text).toBe("Native hello.");
      expect(native.lastChat.path).toBe("/v1/responses");
      expect(native.lastChat.body).toEqual({ model: "gpt-5.1", input: "hello", tools: [{ type: "web_search" }], include: ["reasoning.encrypted_content"], prompt_cache_key: "k1" });
      expect(native.lastChat.headers["authorization"]).toBe("Bearer sk-native");
    });

    it("sends a large body as the client's own text with only model changed, and one that reads two ways as the gateway read it", async () => {
      native.script({ reply: { text: "Native hello." } });
      const post = (text: string) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { authorization: "Bearer sk-alice", "content-type": "application/json" }, body: text });
      const long = "summarise the incident report for the team ".repeat(500);
      const text = `{ "model" : "gpt", "input": "${long}",\n "store": false, "temperature": 1.0 }`;
      expect((await post(text)).status).toBe(200);
      expect(native.lastChat.raw).toBe(text.replace('"gpt"', '"gpt-5.1"'));

      // JSON.parse keeps the last of a repeated key: the upstream gets that one alone, whatever its parser keeps.
      const repeated = `{"model":"gpt","input":"unchecked","store":false,"input":"${long}"}`;
      expect((await post(repeated)).status).toBe(200);
      expect(native.lastChat.raw).toBe(JSON.stringify({ model: "gpt-5.1", input: long, store: false }));
    });

    it("relays the stream as the upstream sent it", async () => {
      native.script({ reply: { text: "streamed natively" } });
      const stream = alice().responses.stream({ model: "gpt", input: "hi" });
      const final = await stream.finalResponse();
      expect(final.output_text).toBe("streamed natively");
      expect(final.id).toMatch(/^resp_/);
    });

    it("sends GET, DELETE and follow-ups of an upstream response to the provider that created it", async () => {
      native.script({ reply: { text: "First." } }, { reply: { text: "Second." } });
      const first = await alice().responses.create({ model: "gpt", input: "one" });
      const got = await alice().responses.retrieve(first.id);
      expect(got.output_text).toBe("First.");
      expect(native.requests.at(-1)).toMatchObject({ method: "GET", path: `/v1/responses/${first.id}` });

      // `either` lists the compat provider too: the follow-up still goes to `oa`, which holds the history.
      const second = await alice().responses.create({ model: "either", input: "two", previous_response_id: first.id });
      expect(second.output_text).toBe("Second.");
      expect(native.lastChat.body).toMatchObject({ previous_response_id: first.id, model: "gpt-5.1" });

      // Another key cannot reach it through the gateway.
      expect((await apiError(bob().responses.retrieve(first.id))).status).toBe(404);

      await alice().responses.delete(first.id);
      expect(native.requests.at(-1)).toMatchObject({ method: "DELETE", path: `/v1/responses/${first.id}` });
      expect((await apiError(alice().responses.retrieve(first.id))).status).toBe(404);
    });

    it("never continues an upstream response elsewhere: its provider failing is an error naming it", async () => {
      native.script({ reply: { text: "Held upstream." } });
      const first = await alice().responses.create({ model: "gpt", input: "one" });
      native.script({ status: 503 });
      const error = await apiError(alice().responses.create({ model: "either", input: "two", previous_response_id: first.id }));
      expect(error.status).toBeGreaterThanOrEqual(500);
      expect(error.message).toContain("oa");
      expect(chat.chatRequests).toHaveLength(0);

      const local = await apiError(alice().responses.create({ model: "local", input: "two", previous_response_id: first.id }));
      expect(local.status).toBe(400);
      expect(local.message).toContain("'oa'");
    });

    it("sends a conversation stored by the gateway inline when it continues on the native lane", async () => {
      chat.script({ reply: { text: "Local answer." } });
      const first = await alice().responses.create({ model: "local", input: "start here" });
      native.script({ reply: { text: "Native answer." } });
      await alice().responses.create({ model: "gpt", input: "continue", previous_response_id: first.id });
      const body = native.lastChat.body as { input: unknown[]; previous_response_id?: string };
      expect(body.previous_response_id).toBeUndefined();
      expect(body.input).toEqual([
        { type: "message", role: "user", content: "start here" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Local answer.", annotations: [], logprobs: [] }] },
        { type: "message", role: "user", content: "continue" },
      ]);
    });
  });
});
