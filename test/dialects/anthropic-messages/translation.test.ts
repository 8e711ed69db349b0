// The Messages door's pure translations: Anthropic request → canonical chat, canonical result →
// Anthropic message, and the event-stream state machine, checked with the strict validator.
import { describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionChunk } from "../../../src/providers/types.ts";
import { MessageEvents, withPings } from "../../../src/dialects/anthropic-messages/events.ts";
import { toMessage, toMessagesUsage } from "../../../src/dialects/anthropic-messages/from-chat.ts";
import { toChat } from "../../../src/dialects/anthropic-messages/to-chat.ts";
import type { StreamEvent } from "../../../src/dialects/anthropic-messages/wire.ts";
import { validateEventStream } from "./event-stream-validator.ts";

const sse = (events: StreamEvent[]) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");

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
    const message = toMessage(completion, "public");
    expect(message.content).toEqual([{ type: "tool_use", id: "call_1_a", name: "f", input: { a: [1, { b: null }] } }]);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage).toEqual({ input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 60, output_tokens: 5 });
  });

  it("never writes an empty text block, and reports zeros for an answer without usage", () => {
    const empty: ChatCompletion = {
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "m",
      choices: [{ index: 0, logprobs: null, finish_reason: "stop", message: { role: "assistant", content: "", refusal: null } }],
    };
    expect(toMessage(empty, "public").content).toEqual([]);
    expect(toMessagesUsage(undefined)).toEqual({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
  });
});

describe("the event-stream state machine", () => {
  it("writes interleaved parallel tool-call fragments as one block each, input rebuilt exactly", () => {
    const machine = new MessageEvents("public");
    const events = [
      ...machine.push(chunk({ role: "assistant", content: "" })),
      ...machine.push(chunk({ content: "Two calls." })),
      ...machine.push(chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get", arguments: '{"ci' } }] })),
      ...machine.push(chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "put", arguments: '{"k":' } }] })),
      ...machine.push(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] })),
      ...machine.push(chunk({ tool_calls: [{ index: 1, function: { arguments: '"v"}' } }] }, "tool_calls")),
      ...machine.push({ ...chunk({}), choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }),
      ...machine.finish(),
    ];
    const built = validateEventStream(sse(events));
    expect(built.content).toEqual([
      { type: "text", text: "Two calls." },
      { type: "tool_use", id: "call_a", name: "get", input: { city: "Paris" } },
      { type: "tool_use", id: "call_b", name: "put", input: { k: "v" } },
    ]);
    expect(built.stop_reason).toBe("tool_use");
    expect(built.usage).toMatchObject({ input_tokens: 7, output_tokens: 3 });
  });

  it("writes no text block for an answer of tool calls only, and a whole message for an empty answer", () => {
    const machine = new MessageEvents("public");
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
