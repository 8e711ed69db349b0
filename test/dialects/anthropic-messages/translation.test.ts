// The Messages door's pure translations: Anthropic request → canonical chat, canonical result →
// Anthropic message, and the event-stream state machine, checked with the strict validator.
import { describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionChunk, MatchedStopField } from "../../../src/providers/types.ts";
import { MessageEvents, withPings } from "../../../src/dialects/anthropic-messages/events.ts";
import { toMessage, toMessagesUsage, type AnswerContext } from "../../../src/dialects/anthropic-messages/from-chat.ts";
import { toChat } from "../../../src/dialects/anthropic-messages/to-chat.ts";
import type { StreamEvent } from "../../../src/dialects/anthropic-messages/wire.ts";
import { validateEventStream } from "./event-stream-validator.ts";

const sse = (events: StreamEvent[]) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");

const answer: AnswerContext = { model: "public", stopSequences: [], inputTokens: 0 };

function chunk(delta: ChatCompletionChunk.Choice["delta"], finish: ChatCompletionChunk.Choice["finish_reason"] = null): ChatCompletionChunk {
  return { id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] };
}

describe("Anthropic request → canonical chat", () => {
  it("puts tool results right after their call as tool messages, then the rest of the user turn", () => {
    const { chat, untranslatable, warnings } = toChat({
      model: "m",
      max_tokens: 50,
      system: [{ type: "text", text: "x-anthropic-billing-header: cc_version=1;" }, { type: "text", text: "Be brief." }, { type: "text", text: "Use tools." }],
      messages: [
        { role: "user", content: "list files" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Listing." },
            { type: "tool_use", id: "toolu_1", name: "ls", input: { dir: "." } },
            { type: "tool_use", id: "toolu_2", name: "ls", input: { dir: "src" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "here:" },
            { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "a.ts" }] },
            { type: "tool_result", tool_use_id: "toolu_2", content: "boom", is_error: true },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
          ],
        },
      ],
      stop_sequences: ["END"],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      tools: [{ name: "ls", description: "list", input_schema: { type: "object", properties: { dir: { type: "string" } } }, strict: true }],
      metadata: { user_id: "u-1", sensitivity: "internal" },
    });
    expect(untranslatable).toEqual([]);
    expect(warnings).toEqual([]);
    expect(chat).toEqual({
      model: "m",
      max_tokens: 50,
      messages: [
        { role: "system", content: "Be brief.\n\nUse tools." },
        { role: "user", content: "list files" },
        {
          role: "assistant",
          content: "Listing.",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "ls", arguments: '{"dir":"."}' } },
            { id: "toolu_2", type: "function", function: { name: "ls", arguments: '{"dir":"src"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "a.ts" },
        { role: "tool", tool_call_id: "toolu_2", content: "Error: boom" },
        { role: "user", content: [{ type: "text", text: "here:" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } }] },
      ],
      stop: ["END"],
      tool_choice: "required",
      parallel_tool_calls: false,
      tools: [{ type: "function", function: { name: "ls", description: "list", parameters: { type: "object", properties: { dir: { type: "string" } } }, strict: true } }],
      user: "u-1",
      metadata: { sensitivity: "internal" },
    });
  });

  it("drops replayed thinking with a warning, never as text, and lists what chat cannot carry", () => {
    const { chat, untranslatable, warnings } = toChat({
      model: "m",
      max_tokens: 10,
      messages: [
        { role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" } }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "secret plan", signature: "sig" }, { type: "redacted_thinking", data: "x" }, { type: "text", text: "ok" }] },
      ],
      tools: [{ type: "web_search_20250305", name: "web_search" }],
      context_management: { edits: [] },
    });
    expect(JSON.stringify(chat)).not.toContain("secret plan");
    expect(untranslatable).toEqual(["messages.0.content.0: document blocks", "tools.0: server tool web_search_20250305"]);
    expect(warnings).toEqual(["thinking blocks dropped: only the model that wrote them can read them", "context_management ignored: the target has no equivalent"]);
  });

  it("asks chat upstreams for stream usage", () => {
    expect(toChat({ model: "m", max_tokens: 1, messages: [], stream: true }).chat).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});

describe("canonical result → Anthropic message", () => {
  it("keeps tool input and converts usage: input_tokens leaves cached tokens out", () => {
    const completion: ChatCompletion = {
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "m",
      choices: [{ index: 0, logprobs: null, finish_reason: "tool_calls", message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "call.1:a", type: "function", function: { name: "f", arguments: '{"a":[1,{"b":null}]}' } }] } }],
      usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 60 } },
    };
    const message = toMessage(completion, answer);
    expect(message.content).toEqual([{ type: "tool_use", id: "call_1_a", name: "f", input: { a: [1, { b: null }] } }]);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage).toEqual({ input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 60, output_tokens: 5 });
  });

  it("reports the stop sequence an upstream names (vLLM's stop_reason), and end_turn when it names none", () => {
    const completion = (stopReason: string | null): ChatCompletion => {
      const choice: ChatCompletion.Choice & MatchedStopField = { index: 0, logprobs: null, finish_reason: "stop", stop_reason: stopReason, message: { role: "assistant", content: "1, 2", refusal: null } };
      return { id: "x", object: "chat.completion", created: 0, model: "m", choices: [choice] };
    };
    expect(toMessage(completion("3"), { ...answer, stopSequences: ["3"] })).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "3" });
    expect(toMessage(completion(null), { ...answer, stopSequences: ["3"] })).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });

  it("never writes an empty text block, and reports the input estimate (else zeros) for an answer without usage", () => {
    const empty: ChatCompletion = {
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "m",
      choices: [{ index: 0, logprobs: null, finish_reason: "stop", message: { role: "assistant", content: "", refusal: null } }],
    };
    expect(toMessage(empty, answer).content).toEqual([]);
    expect(toMessage(empty, { ...answer, inputTokens: 12 }).usage).toEqual({ input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
    expect(toMessagesUsage(undefined)).toEqual({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
  });
});

describe("the event-stream state machine", () => {
  it("streams interleaved parallel calls one block at a time: the open call live, the other held until the first is a whole object", () => {
    const machine = new MessageEvents(answer);
    const steps = [
      machine.push(chunk({ role: "assistant", content: "" })),
      machine.push(chunk({ content: "Two calls." })),
      machine.push(chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get", arguments: '{"ci' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "put", arguments: '{"k":' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 1, function: { arguments: '"v"}' } }] })),
      machine.push(chunk({}, "tool_calls")),
      machine.push({ ...chunk({}), choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }),
      machine.finish(),
    ];
    // call_a opens with its first fragment; call_b waits while call_a's object is open...
    expect(steps[2]).toEqual([
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_a", name: "get", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"ci' } },
    ]);
    expect(steps[3]).toEqual([]);
    // ...and opens, with what it had, as soon as call_a's object closes; its next fragment goes out live.
    expect(steps[4]).toEqual([
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 'ty":"Paris"}' } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "call_b", name: "put", input: {} } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"k":' } },
    ]);
    expect(steps[5]).toEqual([{ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '"v"}' } }]);
    expect(steps[6]).toEqual([{ type: "content_block_stop", index: 2 }]);
    const built = validateEventStream(sse(steps.flat()));
    expect(built.content).toEqual([
      { type: "text", text: "Two calls." },
      { type: "tool_use", id: "call_a", name: "get", input: { city: "Paris" } },
      { type: "tool_use", id: "call_b", name: "put", input: { k: "v" } },
    ]);
    expect(built.stop_reason).toBe("tool_use");
    expect(built.usage).toMatchObject({ input_tokens: 7, output_tokens: 3 });
  });

  it("streams calls that come one after another each live, fragment by fragment, the input rebuilt exactly", () => {
    const machine = new MessageEvents(answer);
    const args = ['{"path": "a \\"b\\" }', '.ts", "n": [1, {"x": "}"}]', "}"];
    const first = machine.push(chunk({ tool_calls: [{ index: 0, id: "c0", type: "function", function: { name: "read", arguments: "" } }] }));
    const fragments = args.map((part) => machine.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] })));
    const second = machine.push(chunk({ tool_calls: [{ index: 1, id: "c1", type: "function", function: { name: "read", arguments: '{"path":"b"}' } }] }));
    const events = [first, ...fragments, second, machine.push(chunk({}, "tool_calls")), machine.finish()].flat();
    // Nothing is held: each fragment is its own delta, in the push that brought it.
    fragments.forEach((out, i) => expect(out).toEqual([{ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: args[i] } }]));
    expect(second.map((e) => e.type)).toEqual(["content_block_stop", "content_block_start", "content_block_delta"]);
    const built = validateEventStream(sse(events));
    expect(built.content).toEqual([
      { type: "tool_use", id: "c0", name: "read", input: { path: 'a "b" }.ts', n: [1, { x: "}" }] } },
      { type: "tool_use", id: "c1", name: "read", input: { path: "b" } },
    ]);
  });

  it("takes a new id at an index already used as a new call, as servers that number every call 0 send them", () => {
    const machine = new MessageEvents(answer);
    const events = [
      machine.push(chunk({ tool_calls: [{ index: 0, id: "c0", type: "function", function: { name: "get", arguments: '{"a":1}' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "put", arguments: '{"b":' } }] })),
      // A continuation may repeat the id and name, or send them empty: the same call.
      machine.push(chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "put", arguments: "2" } }] })),
      machine.push(chunk({ tool_calls: [{ index: 0, id: "", function: { name: "", arguments: "}" } }] }, "tool_calls")),
      machine.finish(),
    ].flat();
    const built = validateEventStream(sse(events));
    expect(built.content).toEqual([
      { type: "tool_use", id: "c0", name: "get", input: { a: 1 } },
      { type: "tool_use", id: "c1", name: "put", input: { b: 2 } },
    ]);
    expect(built.stop_reason).toBe("tool_use");
  });

  it("names a call the upstream gave no id after its message, so ids stay unique across turns", () => {
    const ids = [1, 2].map(() => {
      const machine = new MessageEvents(answer);
      const events = [machine.push(chunk({ tool_calls: [{ index: 0, type: "function", function: { name: "f", arguments: "{}" } }] })), machine.finish()].flat();
      const start = events.find((e) => e.type === "content_block_start");
      return start?.type === "content_block_start" && start.content_block.type === "tool_use" ? start.content_block.id : undefined;
    });
    expect(ids[0]).toMatch(/^toolu_[a-f0-9]{32}_0$/);
    expect(ids[1]).toMatch(/^toolu_[a-f0-9]{32}_0$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("sends {} for a call without arguments, and arguments that are not an object under input, as the JSON answer does", () => {
    const machine = new MessageEvents(answer);
    const events = [
      machine.push(chunk({ tool_calls: [{ index: 0, id: "c0", type: "function", function: { name: "now", arguments: "" } }] })),
      machine.push(chunk({ tool_calls: [{ index: 1, id: "c1", type: "function", function: { name: "echo", arguments: '"just text"' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 2, id: "c2", type: "function", function: { name: "nap", arguments: " \n" } }] }, "tool_calls")),
      machine.finish(),
    ].flat();
    const deltas = events.flatMap((e) => (e.type === "content_block_delta" && e.delta.type === "input_json_delta" ? [e.delta.partial_json] : []));
    expect(deltas).toEqual(["{}", '{"input":"\\"just text\\""}', "{}"]);
    expect(validateEventStream(sse(events)).content).toEqual([
      { type: "tool_use", id: "c0", name: "now", input: {} },
      { type: "tool_use", id: "c1", name: "echo", input: { input: '"just text"' } },
      { type: "tool_use", id: "c2", name: "nap", input: {} },
    ]);
  });

  it("keeps text and calls in arrival order: text behind an unfinished call waits, text after a whole one opens a new block", () => {
    const machine = new MessageEvents(answer);
    const steps = [
      machine.push(chunk({ content: "Looking." })),
      machine.push(chunk({ tool_calls: [{ index: 0, id: "c0", type: "function", function: { name: "ls", arguments: '{"dir":' } }] })),
      machine.push(chunk({ content: "Also " })),
      machine.push(chunk({ content: "this." })),
      machine.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"src"}' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 1, id: "c1", type: "function" }] })),
      machine.push(chunk({ tool_calls: [{ index: 1, function: { name: "cat", arguments: '{"f":"x"}' } }] })),
      machine.push(chunk({ content: "Done." }, "tool_calls")),
      machine.finish(),
    ];
    expect(steps[2]).toEqual([]);
    expect(steps[3]).toEqual([]);
    expect(steps[4]?.map((e) => e.type)).toEqual(["content_block_delta", "content_block_stop", "content_block_start", "content_block_delta"]);
    // A call opens once its name is known.
    expect(steps[5]).toEqual([]);
    expect(steps[6]?.map((e) => e.type)).toEqual(["content_block_stop", "content_block_start", "content_block_delta"]);
    expect(validateEventStream(sse(steps.flat())).content).toEqual([
      { type: "text", text: "Looking." },
      { type: "tool_use", id: "c0", name: "ls", input: { dir: "src" } },
      { type: "text", text: "Also this." },
      { type: "tool_use", id: "c1", name: "cat", input: { f: "x" } },
      { type: "text", text: "Done." },
    ]);
  });

  it("writes every held block at the finish, in order, even a call whose object never closed", () => {
    const machine = new MessageEvents(answer);
    const events = [
      machine.push(chunk({ tool_calls: [{ index: 0, id: "c0", type: "function", function: { name: "a", arguments: '{"x":1' } }] })),
      machine.push(chunk({ tool_calls: [{ index: 1, id: "c1", type: "function", function: { name: "b", arguments: '{"y":2}' } }] })),
      machine.push(chunk({ content: "tail" })),
      machine.finish(),
    ].flat();
    const frames = events.map((e) => ("index" in e ? `${e.type}:${e.index}` : e.type));
    expect(frames).toEqual([
      "message_start",
      "content_block_start:0", "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1", "content_block_delta:1", "content_block_stop:1",
      "content_block_start:2", "content_block_delta:2", "content_block_stop:2",
      "message_delta", "message_stop",
    ]);
  });

  it("starts with the input estimate as usage, and ends with the upstream's real usage, or the estimate when it reports none", () => {
    const estimated = new MessageEvents({ ...answer, inputTokens: 1234 });
    const start = estimated.push(chunk({ content: "hi" }))[0];
    expect(start).toMatchObject({ type: "message_start", message: { usage: { input_tokens: 1234, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 } } });
    estimated.push(chunk({}, "stop"));
    estimated.push({ ...chunk({}), choices: [], usage: { prompt_tokens: 1500, completion_tokens: 9, total_tokens: 1509, prompt_tokens_details: { cached_tokens: 1000 } } });
    expect(estimated.finish()[0]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: 500, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 9 },
    });
    const silent = new MessageEvents({ ...answer, inputTokens: 42 });
    silent.push(chunk({ content: "hi" }, "stop"));
    expect(silent.finish()[0]).toMatchObject({ usage: { input_tokens: 42, output_tokens: 0 } });
  });

  it("reports stop_sequence with the string only when the upstream names one of the client's sequences", () => {
    const stopped = (matched: unknown, stopSequences: string[]) => {
      const machine = new MessageEvents({ ...answer, stopSequences });
      machine.push(chunk({ content: "1, 2, 3" }));
      const last = chunk({}, "stop");
      Object.assign(last.choices[0] ?? {}, { stop_reason: matched });
      machine.push(last);
      return machine.finish()[0];
    };
    expect(stopped("END", ["STOP", "END"])).toMatchObject({ delta: { stop_reason: "stop_sequence", stop_sequence: "END" } });
    expect(stopped(null, ["END"])).toMatchObject({ delta: { stop_reason: "end_turn", stop_sequence: null } });
    expect(stopped(128001, ["END"])).toMatchObject({ delta: { stop_reason: "end_turn", stop_sequence: null } });
    expect(stopped("</s>", ["END"])).toMatchObject({ delta: { stop_reason: "end_turn", stop_sequence: null } });
  });

  it("writes no text block for an answer of tool calls only, and a whole message for an empty answer", () => {
    const machine = new MessageEvents(answer);
    const events = [...machine.push(chunk({ role: "assistant", content: "" }, "stop")), ...machine.finish()];
    const built = validateEventStream(sse(events));
    expect(built.content).toEqual([]);
    expect(built.stop_reason).toBe("end_turn");
  });

  it("the validator refuses a delta for a block never started, and a stream without message_stop", () => {
    const start = { type: "message_start", message: { id: "m", content: [], usage: { input_tokens: 0, output_tokens: 0 } } };
    const frame = (data: { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
    expect(() => validateEventStream(frame(start) + frame({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x" } } as { type: string }))).toThrow(/not open/);
    expect(() => validateEventStream(frame(start))).toThrow(/message_stop/);
    expect(() => validateEventStream(`data: ${JSON.stringify(start)}\n\n`)).toThrow(/event line/);
  });
});

describe("pings while the upstream is silent", () => {
  it("yields a ping for each silent interval, and the source's items in order", async () => {
    async function* slow(): AsyncGenerator<string> {
      yield "a";
      await new Promise((resolve) => setTimeout(resolve, 120));
      yield "b";
    }
    const seen: string[] = [];
    for await (const item of withPings(slow(), 30, "ping")) seen.push(item);
    expect(seen[0]).toBe("a");
    expect(seen.at(-1)).toBe("b");
    expect(seen.filter((s) => s === "ping").length).toBeGreaterThanOrEqual(2);
  });
});
