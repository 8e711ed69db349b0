// `namespace` tools (a named group of functions, as Codex sends its multi-agent tools) on the
// translated lane: each function goes up as a chat tool under a qualified name, a call of it
// comes back as a function_call with its namespace and plain name (JSON, stream and replay), and
// such a call in the history goes up under the qualified name again.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { apiError } from "../harness/client-calls.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkResponse, checkStream, parseEvents } from "../harness/responses-spec.ts";

type Json = Record<string, unknown>;

const crm = {
  type: "namespace",
  name: "crm",
  description: "Customer records",
  tools: [
    { type: "function", name: "lookup", description: "Find a customer", parameters: { type: "object", properties: { email: { type: "string" } }, required: ["email"] }, strict: true },
    { type: "function", name: "close", description: "Close a ticket", parameters: { type: "object", properties: { id: { type: "string" } } } },
  ],
};
const weather = { type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } };

describe("Responses door: namespace tools on the translated lane", () => {
  let chat: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    chat = await startOpenAIFake();
    gw = await startTestGateway({
      providers: { compat: { type: "openai", api_key: "sk-compat", base_url: `${chat.origin}/v1` } },
      models: { local: { targets: [{ provider: "compat", model: "qwen3" }] } },
      resilience: { retries: 0 },
    });
  });
  afterAll(() => stopAll(gw, chat));
  beforeEach(() => chat.reset());

  const post = (body: Json) =>
    fetch(`${gw.baseURL}/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-test" }, body: JSON.stringify(body) });

  it("sends each function under a qualified name and answers a call with its namespace, over two turns", async () => {
    chat.script(
      { reply: { text: "", toolCalls: [{ id: "call_c1", name: "crm__lookup", arguments: { email: "ada@example.com" } }] } },
      { reply: { text: "Ada is a customer since 2019." } },
    );
    const first = (await (await post({ model: "local", input: "Who is ada@example.com?", tools: [weather, crm] })).json()) as Json & { output: Json[] };
    expect(checkResponse(first)).toEqual([]);
    expect((chat.lastChat.body as { tools: unknown[] }).tools).toEqual([
      { type: "function", function: { name: "get_weather", parameters: weather.parameters } },
      { type: "function", function: { name: "crm__lookup", description: "Find a customer", parameters: crm.tools[0]?.parameters, strict: true } },
      { type: "function", function: { name: "crm__close", description: "Close a ticket", parameters: crm.tools[1]?.parameters } },
    ]);
    const call = first.output[0] as Json;
    expect(call).toMatchObject({ type: "function_call", namespace: "crm", name: "lookup", call_id: "call_c1", arguments: JSON.stringify({ email: "ada@example.com" }) });
    // The echoed tools are the request's own, namespace included.
    expect(first["tools"]).toEqual([weather, crm]);

    // The call goes back in the history as the client got it; upstream sees the chat name again.
    const second = (await (
      await post({ model: "local", store: false, tools: [crm], input: [{ role: "user", content: "Who is ada@example.com?" }, call, { type: "function_call_output", call_id: "call_c1", output: "since 2019" }] })
    ).json()) as Json;
    expect(second["status"]).toBe("completed");
    const messages = (chat.lastChat.body as { messages: Json[] }).messages;
    expect(messages[1]).toEqual({ role: "assistant", content: null, tool_calls: [{ id: "call_c1", type: "function", function: { name: "crm__lookup", arguments: JSON.stringify({ email: "ada@example.com" }) } }] });
    expect(messages[2]).toEqual({ role: "tool", tool_call_id: "call_c1", content: "since 2019" });
  });

  it("streams the call with its namespace and replays it the same way", async () => {
    chat.script({ reply: { text: "", toolCalls: [{ id: "call_c2", name: "crm__close", arguments: { id: "T-7" } }] } });
    const { events } = parseEvents(await (await post({ model: "local", input: "Close T-7", tools: [crm], stream: true })).text());
    expect(checkStream(events)).toEqual([]);
    const added = events.find((e) => e["type"] === "response.output_item.added") as { item: Json };
    expect(added.item).toMatchObject({ type: "function_call", namespace: "crm", name: "close", status: "in_progress" });
    const done = events.find((e) => e["type"] === "response.function_call_arguments.done") as Json;
    expect(done["name"]).toBe("close");
    const terminal = events.at(-1) as { response: { id: string; output: Json[] } };
    expect(terminal.response.output[0]).toMatchObject({ namespace: "crm", name: "close", arguments: JSON.stringify({ id: "T-7" }) });

    const replay = parseEvents(await (await fetch(`${gw.baseURL}/responses/${terminal.response.id}?stream=true`, { headers: { authorization: "Bearer sk-test" } })).text()).events;
    expect(checkStream(replay)).toEqual([]);
    expect(replay.at(-1)).toEqual({ ...terminal, sequence_number: replay.length - 1 });
  });

  it("refuses a namespace holding a tool that is not a function, naming it", async () => {
    const error = await apiError(
      gw.client().responses.create({ model: "local", input: "patch", tools: [{ type: "namespace", name: "edit", description: "Edits", tools: [{ type: "custom", name: "apply_patch" }] }] }),
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain("custom");
    expect(chat.chatRequests).toHaveLength(0);
  });
});
