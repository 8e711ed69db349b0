// The Messages door's translated event stream as the real @anthropic-ai/sdk reads it: tool input
// streamed live as input_json_delta (OpenAI's fragments one by one, Gemini's and Ollama's whole
// calls), interleaved parallel calls kept one block at a time, message_start carrying the input
// estimate and message_delta the real usage, stop_sequence only where the upstream names the
// matched string, and thinking settings mapped to each upstream's reasoning control.
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { gatewayOn, GEMINI_UPSTREAM, OLLAMA_UPSTREAM, OPENAI_UPSTREAM } from "../fakes/chat-upstreams.ts";
import { splitArguments } from "../fakes/fake-upstream.ts";
import { validateEventStream } from "../dialects/anthropic-messages/event-stream-validator.ts";
import { eventually, requestLines, type TestGateway } from "../harness/gateway.ts";
import { loadTokenizer } from "../../src/limits/tokens.ts";

const MODEL = "claude-sonnet-4-6";
const tools = [
  { name: "Read", description: "Reads a file", input_schema: { type: "object" as const, properties: { path: { type: "string" } } } },
  { name: "Grep", description: "Searches", input_schema: { type: "object" as const, properties: { pattern: { type: "string" } } } },
];
const readInput = { path: "src/a \"quoted\" ü.ts", lines: [1, 20], opts: { follow: true, depth: null } };
const grepInput = { pattern: "TODO\\(\\w+\\)", glob: "**/*.ts" };
const question = { model: MODEL, max_tokens: 1024, tools, messages: [{ role: "user" as const, content: "Find the TODOs and read the file." }] };

interface Seen {
  /** input_json_delta fragments per block index, as the SDK's events carried them. */
  fragments: Map<number, string[]>;
  /** The partial_json of each `inputJson` event, in order. */
  inputJson: string[];
  startUsage: Anthropic.Usage | undefined;
  final: Anthropic.Message;
}

/** Streams with messages.stream(), watching the events the SDK hands out. */
async function streamed(client: Anthropic, body: Anthropic.MessageCreateParamsNonStreaming): Promise<Seen> {
  const stream = client.messages.stream(body);
  const fragments = new Map<number, string[]>();
  const inputJson: string[] = [];
  let startUsage: Anthropic.Usage | undefined;
  stream.on("inputJson", (partial) => inputJson.push(partial));
  stream.on("streamEvent", (event) => {
    if (event.type === "message_start") startUsage = { ...event.message.usage };
    if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") {
      fragments.set(event.index, [...(fragments.get(event.index) ?? []), event.delta.partial_json]);
    }
  });
  const final = await stream.finalMessage();
  return { fragments, inputJson, startUsage, final };
}

async function estimate(gw: TestGateway, body: Record<string, unknown>, key = "any"): Promise<number> {
  const res = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { input_tokens: number }).input_tokens;
}

// OpenAI streams a call's arguments in fragments; Gemini and Ollama send each call whole.
const upstreams = [
  { ...OPENAI_UPSTREAM, fragments: splitArguments },
  { ...GEMINI_UPSTREAM, fragments: (json: string) => [json] },
  { ...OLLAMA_UPSTREAM, fragments: (json: string) => [json] },
];

// Each upstream serves MODEL as "upstream-model", without retries.
const onUpstream = { models: { [MODEL]: { targets: [{ provider: "up", model: "upstream-model" }] } }, resilience: { retries: 0 } };

describe.each(upstreams)("Messages stream, translated from $name", ({ fragments, ...upstream }) => {
  const lane = gatewayOn(upstream, onUpstream);

  const twoCalls = {
    text: "Searching, then reading.",
    toolCalls: [
      { id: "call_grep", name: "Grep", arguments: grepInput },
      { id: "call_read", name: "Read", arguments: readInput },
    ],
    finish: "tool_calls" as const,
    usage: { prompt: 321, completion: 45 },
  };

  it("streams each call's input as the upstream sent it, and the SDK's final message has it exact, with the real usage", async () => {
    lane.fake.script({ reply: twoCalls });
    const seen = await streamed(lane.client, question);

    expect(seen.final.content).toEqual([
      { type: "text", text: "Searching, then reading." },
      { type: "tool_use", id: expect.stringMatching(/^[a-zA-Z0-9_-]+$/) as unknown, name: "Grep", input: grepInput },
      { type: "tool_use", id: expect.stringMatching(/^[a-zA-Z0-9_-]+$/) as unknown, name: "Read", input: readInput },
    ]);
    expect(seen.fragments.get(1)).toEqual(fragments(JSON.stringify(grepInput)));
    expect(seen.fragments.get(2)).toEqual(fragments(JSON.stringify(readInput)));
    expect(seen.inputJson).toEqual([...(seen.fragments.get(1) ?? []), ...(seen.fragments.get(2) ?? [])]);
    expect(seen.final.stop_reason).toBe("tool_use");

    // message_start: the gateway's estimate (what count_tokens says for the same body); the final
    // message: the upstream's count, message_delta's cumulative usage overwriting the estimate.
    const estimated = await estimate(lane.gw, question);
    expect(estimated).toBeGreaterThan(0);
    expect(seen.startUsage).toMatchObject({ input_tokens: estimated, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(seen.final.usage).toMatchObject({ input_tokens: 321, output_tokens: 45, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it("writes a stream the strict validator accepts, the tool inputs rebuilt from their fragments", async () => {
    lane.fake.script({ reply: twoCalls });
    const res = await fetch(`${lane.gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "any", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ ...question, stream: true }),
    });
    const built = validateEventStream(await res.text());
    expect(built.content).toEqual([
      { type: "text", text: "Searching, then reading." },
      { type: "tool_use", id: expect.any(String) as unknown, name: "Grep", input: grepInput },
      { type: "tool_use", id: expect.any(String) as unknown, name: "Read", input: readInput },
    ]);
    expect(built.usage).toMatchObject({ input_tokens: 321, output_tokens: 45 });
  });

  it("closes the upstream stream when the client aborts mid-answer", async () => {
    lane.fake.script({ reply: { ...twoCalls, text: "one two three four five six seven eight" }, chunkIntervalMs: 150 });
    const stream = lane.client.messages.stream(question);
    const texts: string[] = [];
    stream.on("text", (text) => {
      texts.push(text);
      if (texts.length === 2) stream.abort();
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    await eventually(() => expect(lane.fake.lastChat.aborted).toBe(true));
    await eventually(() => expect(requestLines(lane.gw).at(-1)).toMatchObject({ api: "messages", outcome: "client_abort" }));
    expect(texts).toHaveLength(2);
  });

  it("stops at end_turn, not stop_sequence, when the upstream does not say which sequence matched, and sends the sequences upstream", async () => {
    lane.fake.script({ reply: { text: "1, 2, 3", finish: "stop", usage: { prompt: 12, completion: 5 } } });
    const seen = await streamed(lane.client, { model: MODEL, max_tokens: 50, stop_sequences: ["4"], messages: [{ role: "user", content: "Count to ten." }] });
    expect(seen.final.stop_reason).toBe("end_turn");
    expect(seen.final.stop_sequence).toBeNull();
    expect(lane.fake.lastChat.raw).toMatch(/"stop(Sequences|)"\s*:\s*\["4"\]/);
  });
});

describe("Messages stream, translated from an OpenAI-compatible server's own ordering", () => {
  const lane = gatewayOn(
    OPENAI_UPSTREAM,
    {
      models: { [MODEL]: { targets: [{ provider: "up", model: "qwen3-coder" }] } },
      // A token limit: the input estimate in message_start is the one admission made.
      keys: [{ name: "dev", key: "dev-key", tpm: 1_000_000 }],
      resilience: { retries: 0 },
    },
    "dev-key",
  );

  const frame = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "qwen3-coder", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...extra }] })}\n\n`;
  const call = (index: number, fields: Record<string, unknown>) => ({ tool_calls: [{ index, ...fields }] });

  it("keeps interleaved parallel calls one block at a time, an argument-less call as {}, the cached tokens apart", async () => {
    lane.fake.script({
      frames: [
        frame({ role: "assistant", content: "" }),
        // Two calls announced in one chunk, then their fragments alternating, then a call with no arguments.
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "q", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "Read", arguments: '{"path":' } }, { index: 1, id: "call_b", type: "function", function: { name: "Grep", arguments: '{"pat' } }] }, finish_reason: null }] })}\n\n`,
        frame(call(1, { function: { arguments: 'tern":"x' } })),
        frame(call(0, { function: { arguments: '"a.ts"}' } })),
        frame(call(1, { function: { arguments: '"}' } })),
        frame(call(2, { id: "call_c", type: "function", function: { name: "Now", arguments: "" } })),
        frame({}, "tool_calls"),
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "q", choices: [], usage: { prompt_tokens: 900, completion_tokens: 30, total_tokens: 930, prompt_tokens_details: { cached_tokens: 600 } } })}\n\n`,
        "data: [DONE]\n\n",
      ],
    });
    const seen = await streamed(lane.client, question);
    expect(seen.final.content).toEqual([
      { type: "tool_use", id: "call_a", name: "Read", input: { path: "a.ts" } },
      { type: "tool_use", id: "call_b", name: "Grep", input: { pattern: "x" } },
      { type: "tool_use", id: "call_c", name: "Now", input: {} },
    ]);
    // call_a was live from its first fragment; call_b waited for call_a's object to close, then went on live.
    expect(seen.fragments.get(0)).toEqual(['{"path":', '"a.ts"}']);
    expect(seen.fragments.get(1)).toEqual(['{"pattern":"x', '"}']);
    expect(seen.fragments.get(2)).toEqual(["{}"]);
    expect(seen.final.usage).toMatchObject({ input_tokens: 300, cache_read_input_tokens: 600, cache_creation_input_tokens: 0, output_tokens: 30 });
    expect(seen.startUsage?.input_tokens).toBe(await estimate(lane.gw, question, "dev-key"));
  });

  it("reports stop_sequence and the matched string when the server names it, in a stream and in JSON", async () => {
    const body = { model: MODEL, max_tokens: 50, stop_sequences: ["STOP", "\n\nHuman:"], messages: [{ role: "user" as const, content: "Say hi, then STOP." }] };
    lane.fake.script({ reply: { text: "Hi. ", finish: "stop", stopReason: "STOP", usage: { prompt: 10, completion: 3 } } });
    const seen = await streamed(lane.client, body);
    expect(seen.final).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "STOP", content: [{ type: "text", text: "Hi. " }] });
    expect((lane.fake.lastChat.body as { stop: unknown }).stop).toEqual(["STOP", "\n\nHuman:"]);

    lane.fake.script({ reply: { text: "Hi. ", finish: "stop", stopReason: "\n\nHuman:", usage: { prompt: 10, completion: 3 } } });
    const json = await lane.client.messages.create(body);
    expect(json).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "\n\nHuman:" });
  });

  it("stops at end_turn when the server names a stop the client did not send, or a stop token", async () => {
    const body = { model: MODEL, max_tokens: 50, stop_sequences: ["STOP"], messages: [{ role: "user" as const, content: "Say hi." }] };
    lane.fake.script({ reply: { text: "Hi.", finish: "stop", stopReason: "<|im_end|>" } }, { reply: { text: "Hi.", finish: "stop", stopReason: 151645 } });
    expect(await streamed(lane.client, body).then((s) => s.final)).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
    expect(await lane.client.messages.create(body)).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });
});

describe.each(upstreams)("Messages thinking settings, translated to $name", ({ name, ...upstream }) => {
  const lane = gatewayOn(upstream, onUpstream);

  /** What each upstream received as its reasoning control for effort "medium". */
  const medium: Record<string, (body: Record<string, unknown>) => unknown> = {
    OpenAI: (body) => body["reasoning_effort"],
    Gemini: (body) => (body["generationConfig"] as Record<string, unknown> | undefined)?.["thinkingConfig"],
    Ollama: (body) => body["think"],
  };
  const expected: Record<string, unknown> = { OpenAI: "medium", Gemini: { thinkingBudget: 8192 }, Ollama: "medium" };

  it("maps a thinking budget to the upstream's reasoning control, and says so", async () => {
    const { response } = await lane.client.messages
      .create({ model: MODEL, max_tokens: 16000, thinking: { type: "enabled", budget_tokens: 8000 }, messages: [{ role: "user", content: "Think about it." }] })
      .withResponse();
    expect(medium[name]?.(lane.fake.lastChat.body as Record<string, unknown>)).toEqual(expected[name]);
    expect(response.headers.get("x-llm-warnings")).toContain("thinking.budget_tokens sent as reasoning_effort");
  });

  it("leaves adaptive thinking to the model: no reasoning control is sent, and a replayed thinking block is dropped, not sent as text", async () => {
    const { response } = await lane.client.messages
      .create({
        model: MODEL,
        max_tokens: 16000,
        thinking: { type: "adaptive" },
        messages: [
          { role: "user", content: "Plan it." },
          { role: "assistant", content: [{ type: "thinking", thinking: "SECRET-PLAN", signature: "c2lnbmF0dXJl" }, { type: "text", text: "Planned." }] },
          { role: "user", content: "Go on." },
        ],
      })
      .withResponse();
    const sent = lane.fake.lastChat.body as Record<string, unknown>;
    expect(medium[name]?.(sent)).toBeUndefined();
    expect(lane.fake.lastChat.raw).not.toContain("SECRET-PLAN");
    expect(lane.fake.lastChat.raw).not.toContain("c2lnbmF0dXJl");
    expect(lane.fake.lastChat.raw).toContain("Planned.");
    expect(response.headers.get("x-llm-warnings")).toContain("thinking blocks dropped");
  });
});

describe("Messages stream, translated to a model counted with OpenAI's tokenizer, under a token limit", () => {
  // Far from the limit, admission reserves a cheap bound and runs no tokenizer: message_start
  // still carries the estimate, made for the model that served.
  const lane = gatewayOn(
    OPENAI_UPSTREAM,
    { models: { [MODEL]: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } }, keys: [{ name: "dev", key: "dev-key", tpm: 1_000_000 }], resilience: { retries: 0 } },
    "dev-key",
  );

  it("reports the estimate in message_start, not the bound admission reserved", async () => {
    await loadTokenizer();
    lane.fake.script({ reply: { text: "Found two.", finish: "stop", usage: { prompt: 321, completion: 4 } } });
    const seen = await streamed(lane.client, question);
    const estimated = await estimate(lane.gw, question, "dev-key");
    expect(estimated).toBeGreaterThan(0);
    expect(seen.startUsage?.input_tokens).toBe(estimated);
    expect(seen.final.usage).toMatchObject({ input_tokens: 321, output_tokens: 4 });
  });
});
