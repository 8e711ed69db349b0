import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import { imageUrlsOf } from "../../../src/providers/ollama/messages.ts";
import { toOllamaRequest } from "../../../src/providers/ollama/request.ts";
import type { ChatRequest } from "../../../src/providers/types.ts";
import { ollamaRequest, openaiRequest } from "./fixtures.ts";

const noImages = new Map();
const translate = (req: Partial<ChatRequest>, stream = false) =>
  toOllamaRequest({ model: "llama", messages: [{ role: "user", content: "hi" }], ...req }, "llama3.1:8b", {
    stream,
    images: noImages,
  });

function inputError(fn: () => unknown): GatewayInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayInputError);
    return error as GatewayInputError;
  }
  throw new Error("expected a GatewayInputError");
}

describe("toOllamaRequest", () => {
  it("translates a multi-turn tool conversation with system and developer messages and sampling options", () => {
    const out = toOllamaRequest(openaiRequest("request-agent-turn"), "llama3.1:8b", {
      stream: true,
      images: noImages,
      keepAlive: "10m",
    });
    expect(out).toEqual(ollamaRequest("request-agent-turn"));
  });

  it("inlines data-URL and pre-loaded http images and turns a json_schema into format", () => {
    const req = openaiRequest("request-vision");
    expect(imageUrlsOf(req.messages)).toEqual([
      expect.stringMatching(/^data:image\/png;base64,/),
      "https://images.example.com/cat.jpg",
    ]);
    const images = new Map([
      ["https://images.example.com/cat.jpg", { mimeType: "image/jpeg", data: "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U" }],
    ]);
    expect(toOllamaRequest(req, "llava:13b", { stream: false, images })).toEqual(ollamaRequest("request-vision"));
  });

  it("says stream false explicitly for non-streaming calls (Ollama streams by default)", () => {
    expect(translate({}).stream).toBe(false);
    expect(translate({}, true).stream).toBe(true);
  });

  it("maps json_object to format json and leaves text alone", () => {
    expect(translate({ response_format: { type: "json_object" } }).format).toBe("json");
    expect(translate({ response_format: { type: "text" } })).not.toHaveProperty("format");
  });

  it("prefers max_completion_tokens over max_tokens and wraps a single stop string", () => {
    expect(translate({ max_tokens: 10, max_completion_tokens: 20, stop: "END" }).options).toEqual({ num_predict: 20, stop: ["END"] });
    expect(translate({ max_tokens: 10, stop: [] }).options).toEqual({ num_predict: 10 });
    expect(translate({ temperature: 0 }).options).toEqual({ temperature: 0 });
    expect(translate({})).not.toHaveProperty("options");
  });

  it("passes Ollama's own options sent as extra fields, and rejects non-numbers", () => {
    const out = translate({ num_ctx: 16384, top_k: 40, min_p: 0.05, repeat_penalty: 1.1, vendor_flag: true });
    expect(out.options).toEqual({ num_ctx: 16384, top_k: 40, min_p: 0.05, repeat_penalty: 1.1 });
    expect(out).not.toHaveProperty("vendor_flag");
    expect(inputError(() => translate({ num_ctx: "big" })).param).toBe("num_ctx");
  });

  it("drops identifiers and hints that do not change the generation", () => {
    const out = translate({
      user: "u-1",
      safety_identifier: "s-1",
      metadata: { team: "a" },
      store: true,
      service_tier: "auto",
      prompt_cache_key: "k",
      stream_options: { include_usage: true },
      n: 1,
      logprobs: false,
      parallel_tool_calls: true,
    });
    expect(out).toEqual({ model: "llama3.1:8b", messages: [{ role: "user", content: "hi" }], stream: false });
  });

  it("keeps consecutive same-role messages apart: Ollama's template handles them", () => {
    const out = translate({ messages: [{ role: "user", content: "one" }, { role: "user", content: "two" }] });
    expect(out.messages).toEqual([{ role: "user", content: "one" }, { role: "user", content: "two" }]);
  });

  it("sends an earlier assistant refusal as what the assistant said", () => {
    const out = translate({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: null, refusal: "I can't help with that." }] });
    expect(out.messages[1]).toEqual({ role: "assistant", content: "I can't help with that." });
  });

  it.each([
    ["n", { n: 2 }],
    ["audio", { audio: { voice: "alloy", format: "mp3" } }],
    ["modalities", { modalities: ["text", "audio"] }],
    ["functions", { functions: [{ name: "f" }] }],
    ["function_call", { function_call: "auto" }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 2 }],
    ["prediction", { prediction: { type: "content", content: "x" } }],
    ["web_search_options", { web_search_options: {} }],
    ["verbosity", { verbosity: "low" }],
    ["reasoning_effort", { reasoning_effort: "minimal" }],
    [
      "parallel_tool_calls",
      { parallel_tool_calls: false, tools: [{ type: "function", function: { name: "f", parameters: {} } }] },
    ],
  ] as const)("rejects %s, which Ollama cannot honour", (param, extra) => {
    const error = inputError(() => translate(extra as Partial<ChatRequest>));
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it("maps reasoning_effort to think", () => {
    expect(translate({ reasoning_effort: "none" }).think).toBe(false);
    expect(translate({ reasoning_effort: "high" }).think).toBe("high");
    expect(translate({})).not.toHaveProperty("think");
  });
});

describe("tools and tool_choice", () => {
  const tools = [
    { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
    { type: "function", function: { name: "get_time", description: "Local time" } },
  ] as ChatCompletionTool[];

  it("auto (or unset) offers the tools", () => {
    expect(translate({ tools }).tools?.map((t) => t.function.name)).toEqual(["get_weather", "get_time"]);
    expect(translate({ tools, tool_choice: "auto" }).tools).toHaveLength(2);
  });

  it("none withholds the tools", () => {
    expect(translate({ tools, tool_choice: "none" })).not.toHaveProperty("tools");
  });

  it("allowed_tools in auto mode offers only the allowed ones", () => {
    const out = translate({
      tools,
      tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "get_time" } }] } },
    });
    expect(out.tools?.map((t) => t.function.name)).toEqual(["get_time"]);
  });

  it.each([
    ["required", "required"],
    ["a named function", { type: "function", function: { name: "get_weather" } }],
    ["allowed_tools in required mode", { type: "allowed_tools", allowed_tools: { mode: "required", tools: [] } }],
  ])("rejects tool_choice %s: Ollama cannot force a call", (_label, choice) => {
    expect(inputError(() => translate({ tools, tool_choice: choice as ChatCompletionToolChoiceOption })).param).toBe("tool_choice");
  });

  it("rejects custom tools", () => {
    const custom = [{ type: "custom", custom: { name: "grammar" } }] as ChatCompletionTool[];
    expect(inputError(() => translate({ tools: custom })).param).toBe("tools[0]");
  });
});

describe("message translation errors", () => {
  it("rejects a tool result whose tool_call_id matches no earlier call", () => {
    const error = inputError(() =>
      translate({ messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "call_missing", content: "42" }] }),
    );
    expect(error.param).toBe("messages[1].tool_call_id");
  });

  it("rejects tool call arguments that are not a JSON object", () => {
    const call = (args: string) => ({
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: args } }] },
      ],
    }) as Partial<ChatRequest>;
    expect(inputError(() => translate(call("{not json"))).param).toBe("messages[1].tool_calls[0].function.arguments");
    expect(inputError(() => translate(call("[1,2]"))).param).toBe("messages[1].tool_calls[0].function.arguments");
    expect(translate(call("")).messages[1]?.tool_calls).toEqual([{ function: { name: "f", arguments: {} } }]);
  });

  it("rejects audio and file parts", () => {
    const audio = { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } };
    const file = { type: "file", file: { file_id: "file-1" } };
    for (const part of [audio, file]) {
      const error = inputError(() => translate({ messages: [{ role: "user", content: [part] }] } as Partial<ChatRequest>));
      expect(error.param).toBe("messages[0].content");
    }
  });

  it("rejects the deprecated function role", () => {
    const error = inputError(() => translate({ messages: [{ role: "function", name: "f", content: "1" }] }));
    expect(error.param).toBe("messages[0].role");
  });

  it("rejects images that are missing, not images, or not base64", () => {
    const withImage = (url: string) =>
      ({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] }) as Partial<ChatRequest>;
    expect(inputError(() => translate(withImage("https://example.com/not-loaded.png"))).param).toBe("messages[0].content[0].image_url");
    expect(inputError(() => translate(withImage("data:text/plain;base64,aGVsbG8="))).message).toContain("not an image");
    expect(inputError(() => translate(withImage("data:image/png;base64,@@@notbase64"))).message).toContain("base64");
  });
});
