// `GET /v1/responses/{id}?stream=true`: a stored response replayed as its event stream, through
// the builder a live stream uses (same order, same item ids, the same terminal response), numbered
// from 0 or resumed after `starting_after`; read with the openai SDK and the strict stream checks.
// A response held upstream (native lane) is replayed by its provider, the query passed on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { apiError } from "../harness/client-calls.ts";
import { resetAll, startResponsesLanes, stopAll, type TestGateway } from "../harness/gateway.ts";
import { checkStream, parseEvents, textStreamTypes } from "../harness/responses-spec.ts";

type Json = Record<string, unknown>;

/** Event types with runs of deltas folded into one: a replay sends each part's text whole. */
const shape = (events: readonly Json[]): string[] =>
  events.map((e) => e["type"] as string).filter((type, i, all) => !(type.endsWith(".delta") && all[i - 1] === type));

describe("Responses door: replaying a stored response as a stream", () => {
  let chat: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    ({ chat, native, gw } = await startResponsesLanes({ keys: ["alice", "bob"] }));
  });
  afterAll(() => stopAll(gw, chat, native));
  beforeEach(() => resetAll(chat, native));

  const alice = () => gw.client("sk-alice");
  const get = (path: string, key = "sk-alice") => fetch(`${gw.baseURL}${path}`, { headers: { authorization: `Bearer ${key}` } });

  async function liveStream(body: Json): Promise<Json[]> {
    const res = await fetch(`${gw.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-alice" },
      body: JSON.stringify({ ...body, stream: true }),
    });
    const { events, problems } = parseEvents(await res.text());
    expect(problems).toEqual([]);
    expect(checkStream(events)).toEqual([]);
    return events;
  }

  it("replays the events a live stream sent: same order, item ids and terminal response, from sequence 0", async () => {
    chat.script({ reply: { text: "Checking both.", toolCalls: [{ id: "call_a", name: "a", arguments: { x: 1 } }, { id: "call_b", name: "b", arguments: { y: 2 } }], usage: { prompt: 20, completion: 9 } } });
    const tools = [{ type: "function", name: "a", parameters: {} }, { type: "function", name: "b", parameters: {} }];
    const live = await liveStream({ model: "local", input: "two calls", tools });
    const terminal = live.at(-1) as { response: { id: string } };

    const res = await get(`/responses/${terminal.response.id}?stream=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const { events, problems } = parseEvents(await res.text());
    expect(problems).toEqual([]);
    expect(checkStream(events)).toEqual([]);
    expect(shape(events)).toEqual(shape(live));
    const added = (list: Json[]) => list.filter((e) => e["type"] === "response.output_item.added").map((e) => (e["item"] as Json)["id"]);
    expect(added(events)).toEqual(added(live));
    expect(events.at(-1)).toEqual({ ...terminal, sequence_number: events.length - 1 });
    expect(chat.chatRequests).toHaveLength(1);

    // The SDK reads the replay as a stream of typed events.
    const replayed = await alice().responses.retrieve(terminal.response.id, { stream: true });
    const read: Json[] = [];
    for await (const event of replayed) read.push(event as unknown as Json);
    expect(read).toEqual(events);
  });

  it("replays a response that was answered as JSON, incomplete status and usage included", async () => {
    chat.script({ reply: { text: "It was a dark and", finish: "length", usage: { prompt: 6, completion: 5 } } });
    const created = await alice().responses.create({ model: "local", input: "A story?", max_output_tokens: 5 });
    expect(created.status).toBe("incomplete");

    const events: Json[] = [];
    for await (const event of await alice().responses.retrieve(created.id, { stream: true })) events.push(event as unknown as Json);
    expect(checkStream(events)).toEqual([]);
    expect(events.map((e) => e["type"])).toEqual(textStreamTypes(1, "response.incomplete"));
    // The SDK adds `output_text` to what it returns; the wire object is the rest.
    const { output_text: text, ...sent } = created;
    expect(text).toBe("It was a dark and");
    expect((events.at(-1) as { response: unknown }).response).toEqual(sent);
  });

  it("resumes after starting_after: the events that follow it, numbered as in the full replay", async () => {
    chat.script({ reply: { text: "Resumable answer." } });
    const created = await alice().responses.create({ model: "local", input: "go" });
    const full = parseEvents(await (await get(`/responses/${created.id}?stream=true`)).text()).events;

    const rest: Json[] = [];
    for await (const event of await alice().responses.retrieve(created.id, { stream: true, starting_after: 3 })) rest.push(event as unknown as Json);
    expect(rest[0]?.["sequence_number"]).toBe(4);
    expect(rest).toEqual(full.slice(4));

    const none = parseEvents(await (await get(`/responses/${created.id}?stream=true&starting_after=${full.length - 1}`)).text()).events;
    expect(none).toEqual([]);
  });

  it("refuses a bad starting_after, and another key's response is a 404 as a stream too", async () => {
    chat.script({ reply: { text: "Mine." } });
    const created = await alice().responses.create({ model: "local", input: "mine" });
    for (const query of ["stream=true&starting_after=-1", "stream=true&starting_after=x", "stream=true&starting_after=1.5", "stream=true&starting_after=", "stream=yes"]) {
      const res = await get(`/responses/${created.id}?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
    // Without stream=true it is a JSON read, where starting_after means nothing.
    const json = await get(`/responses/${created.id}?starting_after=2`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { id: string }).id).toBe(created.id);
    const theirs = await apiError(gw.client("sk-bob").responses.retrieve(created.id, { stream: true }));
    expect(theirs.status).toBe(404);
    expect(chat.chatRequests).toHaveLength(1);
  });

  it("has the provider that holds a native-lane response replay it, the query passed on", async () => {
    native.script({ reply: { text: "Held upstream, streamed again." } });
    const created = await alice().responses.create({ model: "gpt", input: "hi" });

    const events: Json[] = [];
    for await (const event of await alice().responses.retrieve(created.id, { stream: true, starting_after: 1 })) events.push(event as unknown as Json);
    const asked = native.requests.at(-1);
    expect(asked).toMatchObject({ method: "GET", path: `/v1/responses/${created.id}` });
    expect(Object.fromEntries(asked?.query ?? [])).toEqual({ stream: "true", starting_after: "1" });
    expect(events[0]).toMatchObject({ type: "response.output_item.added", sequence_number: 2 });
    expect((events.at(-1) as { type: string; response: { id: string } }).response.id).toBe(created.id);
  });
});
