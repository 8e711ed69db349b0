// The content detectors as a property: wherever in a chat request the client puts a card number
// or a codename (any field that goes upstream, nested, under unknown names, split across text
// parts), the request is served by the local provider and no cloud provider receives anything.
// Checked on what the fake upstreams actually received.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { drain } from "../harness/client-calls.ts";
import { startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

type Body = Record<string, unknown>;
type Message = Record<string, unknown>;

/** Where the secret goes: a change to a benign request. */
interface Placement {
  where: string;
  apply(body: Body, secret: string): Body;
}

const cardNumber = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 16, maxLength: 16 }), fc.constantFrom("", " ", "-"))
  .map(([digits, sep]) => [0, 4, 8, 12].map((i) => digits.slice(i, i + 4).join("")).join(sep));
const codename = fc
  .tuple(fc.constantFrom("project", "Project", "PROJECT"), fc.constantFrom(" ", "  ", "\t"), fc.constantFrom("falcon", "Falcon"))
  .map(([a, space, b]) => `${a}${space}${b}`);
const secret = fc.oneof(cardNumber, codename);

const filler = fc.constantFrom("hello", "please summarise the notes", "what is the weather like", "ok");
const fieldName = fc.constantFrom("vendor_extra", "x_trace", "annotations", "context");

const nested = (depth: number, leaf: unknown, key: string): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { [key]: value };
  return value;
};

const toolCallTurn = (args: string, id = "call_1"): Message[] => [
  { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "lookup", arguments: args } }] },
  { role: "tool", tool_call_id: id, content: "done" },
];
const tool = (fn: Record<string, unknown>) => ({ type: "function", function: { name: "lookup", ...fn } });
const addMessages = (body: Body, ...messages: Message[]): Body => ({ ...body, messages: [...(body["messages"] as Message[]), ...messages] });

const placements = (depth: number, key: string, split: number, extra: string): Placement[] => [
  { where: "user content", apply: (b, s) => addMessages(b, { role: "user", content: `note: ${s}` }) },
  { where: "a text part", apply: (b, s) => addMessages(b, { role: "user", content: [{ type: "text", text: "see" }, { type: "text", text: s }] }) },
  {
    where: "split across two text parts",
    apply: (b, s) => {
      const at = 1 + (split % (s.length - 1));
      return addMessages(b, { role: "user", content: [{ type: "text", text: `see ${s.slice(0, at)}` }, { type: "text", text: `${s.slice(at)} now` }] });
    },
  },
  { where: "tool call arguments", apply: (b, s) => addMessages(b, ...toolCallTurn(JSON.stringify({ query: s }))) },
  { where: "nested tool call arguments", apply: (b, s) => addMessages(b, ...toolCallTurn(JSON.stringify({ q: nested(depth, s, key) }))) },
  { where: "a tool result", apply: (b, s) => addMessages(b, ...toolCallTurn("{}").slice(0, 1), { role: "tool", tool_call_id: "call_1", content: s }) },
  { where: "a tool description", apply: (b, s) => ({ ...b, tools: [tool({ description: `looks up ${s}` })] }) },
  { where: "a tool parameter's description", apply: (b, s) => ({ ...b, tools: [tool({ parameters: { type: "object", properties: { q: { type: "string", description: s } } } })] }) },
  { where: "a tool parameter's name", apply: (b, s) => ({ ...b, tools: [tool({ parameters: { type: "object", properties: { [s]: { type: "string" } } } })] }) },
  { where: "a nested tool schema", apply: (b, s) => ({ ...b, tools: [tool({ parameters: { type: "object", properties: { q: nested(depth, { enum: [s] }, key) } } })] }) },
  { where: "user", apply: (b, s) => ({ ...b, user: s }) },
  { where: "a message name", apply: (b, s) => addMessages(b, { role: "user", name: s, content: "hi" }) },
  { where: "an assistant refusal", apply: (b, s) => addMessages(b, { role: "assistant", content: null, refusal: s }, { role: "user", content: "and now?" }) },
  { where: "a metadata value", apply: (b, s) => ({ ...b, metadata: { note: s } }) },
  { where: "a metadata key", apply: (b, s) => ({ ...b, metadata: { [s]: "yes" } }) },
  { where: "an image URL", apply: (b, s) => addMessages(b, { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: `https://images.example/${s}.png` } }] }) },
  { where: "a response_format schema", apply: (b, s) => ({ ...b, response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object", description: s } } } }) },
  { where: "prediction", apply: (b, s) => ({ ...b, prediction: { type: "content", content: s } }) },
  { where: "stop", apply: (b, s) => ({ ...b, stop: ["END", s] }) },
  { where: "an unknown field", apply: (b, s) => ({ ...b, [extra]: nested(depth, s, key) }) },
  { where: "an unknown field's name", apply: (b, s) => ({ ...b, [extra]: { [s]: true } }) },
  { where: "an unknown field on a message", apply: (b, s) => addMessages(b, { role: "user", content: "hi", [extra]: { note: s } }) },
  { where: "an unknown field on a part", apply: (b, s) => addMessages(b, { role: "user", content: [{ type: "text", text: "hi", [extra]: s }] }) },
];
const PLACEMENTS = placements(0, "k", 0, "x").length;

const scenario = fc.record({
  secret,
  placement: fc.integer({ min: 0, max: PLACEMENTS - 1 }),
  depth: fc.integer({ min: 0, max: 40 }),
  key: fc.constantFrom("k", "node", "payload"),
  split: fc.nat(),
  extra: fieldName,
  before: fc.array(filler, { minLength: 1, maxLength: 3 }),
  model: fc.constantFrom("auto", "chain"),
  stream: fc.boolean(),
});

const comparable = (body: unknown): unknown => {
  const { model: _model, stream: _stream, stream_options: _options, ...rest } = body as Body;
  return rest;
};

describe("a detected secret keeps the request local, wherever it sits", () => {
  let cloud: FakeUpstream;
  let local: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    cloud = await startOpenAIFake();
    local = await startOpenAIFake();
    gw = await startTestGateway({
      providers: {
        cloud: { type: "openai", base_url: `${cloud.origin}/v1` },
        local: { type: "openai", base_url: `${local.origin}/v1` },
      },
      models: {
        "cloud-model": { targets: [{ provider: "cloud", model: "gpt-cloud" }] },
        "local-model": { targets: [{ provider: "local", model: "llama-local" }] },
        chain: { strategy: "fallback", targets: [{ model: "cloud-model" }, { model: "local-model" }] },
      },
      routing: {
        default: "cloud-model",
        rules: [{ name: "sensitive-stays-local", when: { sensitivity: ["internal", "confidential"] }, use: "local-model", allow_providers: ["local"] }],
        detectors: [
          { name: "card-number", pattern: "\\b(?:\\d[ -]?){13,16}\\b", sensitivity: "confidential" },
          { name: "codename", pattern: "project\\s+falcon", flags: "i", sensitivity: "internal" },
        ],
      },
    });
  });
  afterAll(async () => {
    await stopAll(gw, cloud, local);
  });

  it("never calls a cloud provider, and the local one gets the request as sent", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        cloud.reset();
        local.reset();
        const placement = placements(s.depth, s.key, s.split, s.extra)[s.placement];
        if (!placement) throw new Error("no placement");
        const benign: Body = { model: s.model, messages: s.before.map((content) => ({ role: "user", content })) };
        const body = placement.apply(benign, s.secret);
        const client = gw.client();
        // The SDK passes every field through as given; the cast only widens the params type.
        const params = body as unknown as Parameters<typeof client.chat.completions.create>[0];
        if (s.stream) await drain(await client.chat.completions.create({ ...params, stream: true }));
        else await client.chat.completions.create({ ...params, stream: false });

        expect(cloud.chatRequests, placement.where).toHaveLength(0);
        expect(local.chatRequests, placement.where).toHaveLength(1);
        // Everything but the model (and how the stream is asked for) reached the local provider as
        // sent: the secret sat in a field that goes upstream.
        expect(comparable(local.lastChat.body), placement.where).toEqual(comparable(body));
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it("sends a request with no secret to the cloud, so the property above is not vacuous", async () => {
    cloud.reset();
    local.reset();
    await gw.client().chat.completions.create({ model: "auto", messages: [{ role: "user", content: "4111 1111 and project eagle" }], tools: [{ type: "function", function: { name: "lookup", description: "a falcon project" } }] });
    expect(cloud.chatRequests).toHaveLength(1);
    expect(local.chatRequests).toHaveLength(0);
  });
});
