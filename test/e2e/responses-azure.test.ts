// The Responses door's native lane to Azure OpenAI: an `azure` provider with `responses: true`
// gets the client's body on Azure's v1 route (`/openai/v1/responses`, key in `api-key`, the
// deployment as `model`), its stream relayed and its usage counted; GET, DELETE, input_items and
// follow-ups of a response it created go back to it. A resource on the dated preview route
// (`responses_api_version`) is reached at `/openai/responses?api-version=…`.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAzureResponsesFake } from "../fakes/azure.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";
import { requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkResponse, checkStream, parseEvents } from "../harness/responses-spec.ts";

const DATED = "2025-04-01-preview";

describe("Responses door: native lane to Azure OpenAI", () => {
  let azure: FakeUpstream;
  let dated: FakeUpstream;
  let compat: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    azure = await startAzureResponsesFake("v1");
    dated = await startAzureResponsesFake("dated");
    compat = await startOpenAIFake();
    gw = await startTestGateway({
      providers: {
        az: { type: "azure", api_key: "az-key-1", endpoint: azure.origin, deployment: "gpt5-prod", responses: true },
        azold: { type: "azure", api_key: "az-key-2", endpoint: `${dated.origin}/`, responses: true, responses_api_version: DATED },
        compat: { type: "openai", api_key: "sk-compat", base_url: `${compat.origin}/v1` },
      },
      models: {
        gpt: { targets: [{ provider: "az", model: "gpt-5.1" }] },
        old: { targets: [{ provider: "azold", model: "gpt-4.1" }] },
        either: { targets: [{ provider: "az", model: "gpt-5.1" }, { provider: "compat", model: "qwen3" }] },
      },
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, azure, dated, compat));
  beforeEach(() => {
    azure.reset();
    dated.reset();
    compat.reset();
  });

  it("sends the body to /openai/v1/responses with the api-key header and the deployment as model", async () => {
    azure.script({ reply: { text: "Azure hello.", usage: { prompt: 9, completion: 3 } } });
    const res = await gw.client().responses.create({
      model: "gpt",
      instructions: "Be brief.",
      input: "hello",
      tools: [{ type: "web_search" }],
      include: ["reasoning.encrypted_content"],
      store: true,
    });
    expect(res.output_text).toBe("Azure hello.");
    expect(checkResponse(res)).toEqual([]);
    const sent = azure.lastChat;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/openai/v1/responses");
    expect([...sent.query.keys()]).toEqual([]);
    expect(sent.headers["api-key"]).toBe("az-key-1");
    expect(sent.headers["authorization"]).toBeUndefined();
    expect(sent.body).toEqual({
      model: "gpt5-prod",
      instructions: "Be brief.",
      input: "hello",
      tools: [{ type: "web_search" }],
      include: ["reasoning.encrypted_content"],
      store: true,
    });
    const line = requestLines(gw).at(-1) as Record<string, unknown>;
    expect(line).toMatchObject({ api: "responses", provider: "az", promptTokens: 9, completionTokens: 3 });
  });

  it("relays the stream event by event and reads its usage on the way", async () => {
    azure.script({ reply: { text: "streamed from azure", usage: { prompt: 14, completion: 4 } } });
    const raw = await fetch(`${gw.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "gpt", input: "hi", stream: true }),
    });
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    const { events, problems } = parseEvents(await raw.text());
    expect(problems).toEqual([]);
    expect(checkStream(events)).toEqual([]);
    expect(azure.lastChat.body).toEqual({ model: "gpt5-prod", input: "hi", stream: true });
    const line = requestLines(gw).at(-1) as Record<string, unknown>;
    expect(line).toMatchObject({ provider: "az", stream: true, promptTokens: 14, completionTokens: 4 });

    azure.script({ reply: { text: "and through the SDK" } });
    const final = await gw.client().responses.stream({ model: "gpt", input: "again" }).finalResponse();
    expect(final.output_text).toBe("and through the SDK");
  });

  it("sends GET, input_items, DELETE and follow-ups of an Azure response back to Azure", async () => {
    azure.script({ reply: { text: "First." } }, { reply: { text: "Second." } });
    const client = gw.client();
    const first = await client.responses.create({ model: "gpt", input: "one" });

    const got = await client.responses.retrieve(first.id);
    expect(got.output_text).toBe("First.");
    expect(azure.requests.at(-1)).toMatchObject({ method: "GET", path: `/openai/v1/responses/${first.id}` });
    expect(azure.requests.at(-1)?.headers["api-key"]).toBe("az-key-1");

    await client.responses.inputItems.list(first.id, { limit: 5 });
    expect(azure.requests.at(-1)).toMatchObject({ method: "GET", path: `/openai/v1/responses/${first.id}/input_items` });
    expect(azure.requests.at(-1)?.query.get("limit")).toBe("5");

    // `either` lists the compat provider too: the follow-up still goes to Azure, which holds the history.
    const second = await client.responses.create({ model: "either", input: "two", previous_response_id: first.id });
    expect(second.output_text).toBe("Second.");
    expect(azure.lastChat.body).toEqual({ model: "gpt5-prod", input: "two", previous_response_id: first.id });
    expect(compat.requests).toHaveLength(0);

    await client.responses.delete(first.id);
    expect(azure.requests.at(-1)).toMatchObject({ method: "DELETE", path: `/openai/v1/responses/${first.id}` });
    expect((await apiError(client.responses.retrieve(first.id))).status).toBe(404);
  });

  it("relays Azure's error with its status, and never falls back for a response Azure holds", async () => {
    azure.script({ reply: { text: "Held by Azure." } });
    const first = await gw.client().responses.create({ model: "gpt", input: "one" });
    azure.script({ status: 429 });
    const error = await apiError(gw.client().responses.create({ model: "either", input: "two", previous_response_id: first.id }));
    expect(error.status).toBe(429);
    expect(compat.chatRequests).toHaveLength(0);
  });

  it("reaches a resource on the dated preview route with its api-version on every call", async () => {
    dated.script({ reply: { text: "Preview route." } });
    const client = gw.client();
    const created = await client.responses.create({ model: "old", input: "hello" });
    expect(created.output_text).toBe("Preview route.");
    expect(dated.lastChat.path).toBe("/openai/responses");
    expect(dated.lastChat.query.get("api-version")).toBe(DATED);
    expect(dated.lastChat.headers["api-key"]).toBe("az-key-2");
    // No deployment configured: the target's model names it.
    expect(dated.lastChat.body).toEqual({ model: "gpt-4.1", input: "hello" });

    await client.responses.inputItems.list(created.id, { limit: 2, order: "asc" });
    const listed = dated.requests.at(-1);
    expect(listed?.path).toBe(`/openai/responses/${created.id}/input_items`);
    expect(Object.fromEntries(listed?.query ?? [])).toEqual({ limit: "2", order: "asc", "api-version": DATED });

    await client.responses.delete(created.id);
    expect(dated.requests.at(-1)).toMatchObject({ method: "DELETE", path: `/openai/responses/${created.id}` });
    expect(dated.requests.at(-1)?.query.get("api-version")).toBe(DATED);
  });
});
