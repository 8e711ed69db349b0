import { describe, expect, it } from "vitest";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import { toAnthropicRequest } from "../../../src/providers/anthropic/request.ts";
import { JSON_TOOL_NAME } from "../../../src/providers/anthropic/tools.ts";
import type { ChatRequest } from "../../../src/providers/types.ts";
import { requestFixture } from "./fixtures.ts";

const opts = { defaultMaxTokens: 4096 };
const translate = (req: ChatRequest) => toAnthropicRequest(req, "claude-sonnet-4-5", opts);
const simple = (extra: Record<string, unknown> = {}): ChatRequest =>
  ({ model: "claude", messages: [{ role: "user", content: "Hi" }], ...extra });

function inputError(fn: () => unknown): GatewayInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayInputError) return error;
    throw error;
  }
  throw new Error("expected a GatewayInputError");
}

describe("toAnthropicRequest: multi-turn with tools", () => {
  const { params, jsonTool } = translate(requestFixture("multi-turn-tools"));

  it("joins system and developer messages into the top-level system", () => {
    expect(params.system).toBe("You are a concise travel assistant.\n\nAnswer in English.");
    expect(params.messages.every((m) => m.role === "user" || m.role === "assistant")).toBe(true);
  });

  it("keeps user/assistant alternation, merging consecutive tool results into one user turn", () => {
    expect(params.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    expect(params.messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_01WeatherA", content: "18°C, light rain" },
        { type: "tool_result", tool_use_id: "call_9f8e_7d6c", content: [{ type: "text", text: "14:05" }] },
        { type: "text", text: "Thanks! Anything else?" },
      ],
    });
  });

  it("turns parallel assistant tool_calls into tool_use blocks with parsed input and upstream-safe ids", () => {
    expect(params.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "tool_use", id: "toolu_01WeatherA", name: "get_weather", input: { city: "Paris", unit: "celsius" } },
        { type: "tool_use", id: "call_9f8e_7d6c", name: "get_time", input: { timezone: "Europe/Paris" } },
      ],
    });
    expect(params.messages[3]).toEqual({ role: "assistant", content: [{ type: "text", text: "Bring an umbrella ☔." }] });
  });

  it("translates tools, tool_choice auto with parallel_tool_calls false, and strict", () => {
    expect(params.tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather for a city",
        input_schema: {
          type: "object",
          properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
          required: ["city"],
          additionalProperties: false,
        },
        strict: true,
      },
      {
        name: "get_time",
        description: "Local time in a timezone",
        input_schema: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"] },
      },
    ]);
    expect(params.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(jsonTool).toBeUndefined();
  });

  it("maps stop, max_completion_tokens (over max_tokens) and user; drops sampling hints", () => {
    expect(params.stop_sequences).toEqual(["END"]);
    expect(params.max_tokens).toBe(512);
    expect(params.metadata).toEqual({ user_id: "user-123" });
    const raw = params as unknown as Record<string, unknown>;
    for (const dropped of ["temperature", "top_p", "top_k", "seed", "stream_options", "stream", "user", "n"]) {
      expect(raw[dropped], dropped).toBeUndefined();
    }
    expect(params.model).toBe("claude-sonnet-4-5");
  });
});

describe("toAnthropicRequest: content", () => {
  it("sends data-URL images inline as base64 and http URLs by reference", () => {
    const { params } = translate(requestFixture("images"));
    expect(params.max_tokens).toBe(300);
    expect(params.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these two pictures." },
          {
            type: "image",
            source: {
              type: "base64",
              media_type: "image/png",
              data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
            },
          },
          { type: "image", source: { type: "url", url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg" } },
        ],
      },
    ]);
  });

  it("refuses image types and sources Anthropic cannot read", () => {
    const bmp = inputError(() =>
      translate(simple({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }] })),
    );
    expect(bmp.param).toBe("messages");
    expect(bmp.message).toMatch(/image\/bmp/);
    const ftp = inputError(() =>
      translate(simple({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }] }] })),
    );
    expect(ftp.param).toBe("messages");
    const audio = inputError(() =>
      translate(simple({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }] })),
    );
    expect(audio.message).toMatch(/audio/);
  });

  it("sends PDF file parts as document blocks", () => {
    const { params } = translate(
      simple({
        messages: [{ role: "user", content: [{ type: "file", file: { filename: "report.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjQK" } }] }],
      }),
    );
    expect(params.messages[0]?.content).toEqual([
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" }, title: "report.pdf" },
    ]);
  });

  it("merges consecutive user messages and keeps unicode intact", () => {
    const { params } = translate(
      simple({ messages: [{ role: "user", content: "Ünïcödé 🚀" }, { role: "user", content: "日本語も" }, { role: "assistant", content: "" }] }),
    );
    expect(params.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Ünïcödé 🚀" }, { type: "text", text: "日本語も" }] },
    ]);
  });

  it("hoists a system message that appears mid-conversation", () => {
    const { params } = translate(
      simple({
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: "b" },
          { role: "system", content: "Be brief." },
          { role: "user", content: "c" },
        ],
      }),
    );
    expect(params.system).toBe("Be brief.");
    expect(params.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("rejects a conversation with nothing but system messages, bad tool arguments and legacy roles", () => {
    expect(inputError(() => translate(simple({ messages: [{ role: "system", content: "x" }] }))).param).toBe("messages");
    const badArgs = inputError(() =>
      translate(
        simple({
          messages: [
            { role: "user", content: "a" },
            { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{not json" } }] },
          ],
        }),
      ),
    );
    expect(badArgs.message).toMatch(/not valid JSON/);
    expect(inputError(() => translate(simple({ messages: [{ role: "function", name: "f", content: "x" }] }))).param).toBe("messages");
  });
});

describe("toAnthropicRequest: parameters", () => {
  it("uses the default budget when the client sets none, max_tokens otherwise", () => {
    expect(translate(simple()).params.max_tokens).toBe(4096);
    expect(toAnthropicRequest(simple(), "m", { defaultMaxTokens: 99 }).params.max_tokens).toBe(99);
    expect(translate(simple({ max_tokens: 77 })).params.max_tokens).toBe(77);
    expect(inputError(() => translate(simple({ max_tokens: 0 }))).param).toBe("max_tokens");
  });

  it("accepts a single stop string", () => {
    expect(translate(simple({ stop: "###" })).params.stop_sequences).toEqual(["###"]);
    expect(translate(simple({ stop: null })).params.stop_sequences).toBeUndefined();
  });

  it("rejects n > 1 but accepts n = 1", () => {
    const error = inputError(() => translate(simple({ n: 2 })));
    expect(error.param).toBe("n");
    expect(translate(simple({ n: 1 })).params.messages).toHaveLength(1);
  });

  it("rejects temperature above Anthropic's range and drops it inside", () => {
    const error = inputError(() => translate(simple({ temperature: 1.5 })));
    expect(error.param).toBe("temperature");
    expect(error.message).toMatch(/0\.\.1/);
    const raw = translate(simple({ temperature: 0.2, top_p: 0.5, seed: 1 })).params as unknown as Record<string, unknown>;
    expect(raw["temperature"]).toBeUndefined();
    expect(raw["top_p"]).toBeUndefined();
  });

  it.each([
    [{ logprobs: true }, "logprobs"],
    [{ top_logprobs: 3 }, "top_logprobs"],
    [{ logit_bias: { "50256": -100 } }, "logit_bias"],
    [{ modalities: ["text", "audio"] }, "modalities"],
    [{ audio: { voice: "alloy", format: "wav" } }, "audio"],
    [{ web_search_options: {} }, "web_search_options"],
    [{ functions: [{ name: "f", parameters: {} }] }, "functions"],
    [{ tools: [{ type: "custom", custom: { name: "grammar" } }] }, "tools"],
  ])("rejects %j naming %s", (extra, param) => {
    expect(inputError(() => translate(simple(extra))).param).toBe(param);
  });

  it("maps reasoning_effort to output_config.effort", () => {
    expect(translate(simple({ reasoning_effort: "high" })).params.output_config).toEqual({ effort: "high" });
    expect(translate(simple({ reasoning_effort: "minimal" })).params.output_config).toBeUndefined();
  });

  it("uses safety_identifier as the end-user id when given", () => {
    expect(translate(simple({ safety_identifier: "hash-1", user: "u" })).params.metadata).toEqual({ user_id: "hash-1" });
  });
});

describe("toAnthropicRequest: tool_choice", () => {
  const tools = requestFixture("multi-turn-tools").tools;
  const choice = (tool_choice: unknown, extra: Record<string, unknown> = {}) =>
    translate(simple({ tools, tool_choice, ...extra })).params.tool_choice;

  it("maps auto, none, required and a named function", () => {
    expect(choice("auto")).toBeUndefined();
    expect(choice("none")).toEqual({ type: "none" });
    expect(choice("required")).toEqual({ type: "any" });
    expect(choice({ type: "function", function: { name: "get_time" } })).toEqual({ type: "tool", name: "get_time" });
    expect(choice({ type: "function", function: { name: "get_time" } }, { parallel_tool_calls: false })).toEqual({
      type: "tool",
      name: "get_time",
      disable_parallel_tool_use: true,
    });
  });

  it("offers only the allowed tools for allowed_tools", () => {
    const { params } = translate(
      simple({ tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "get_time" } }] } } }),
    );
    expect(params.tools?.map((t) => ("name" in t ? t.name : undefined))).toEqual(["get_time"]);
    expect(params.tool_choice).toEqual({ type: "any" });
  });

  it("omits tools and tool_choice when there are no tools", () => {
    const { params } = translate(simple({ tool_choice: "none" }));
    expect(params.tools).toBeUndefined();
    expect(params.tool_choice).toBeUndefined();
  });
});

describe("toAnthropicRequest: response_format", () => {
  it("sends json_schema as structured output", () => {
    const { params, jsonTool } = translate(requestFixture("json-schema"));
    expect(params.output_config).toEqual({
      format: {
        type: "json_schema",
        schema: {
          type: "object",
          properties: { name: { type: "string" }, born: { type: "integer" } },
          required: ["name", "born"],
          additionalProperties: false,
        },
      },
    });
    expect(params.tools).toBeUndefined();
    expect(jsonTool).toBeUndefined();
  });

  it("emulates json_object with one forced tool", () => {
    const { params, jsonTool } = translate(requestFixture("json-object"));
    expect(jsonTool).toBe(JSON_TOOL_NAME);
    expect(params.tools).toEqual([{ name: JSON_TOOL_NAME, description: expect.any(String) as string, input_schema: { type: "object" } }]);
    expect(params.tool_choice).toEqual({ type: "tool", name: JSON_TOOL_NAME });
    expect(params.system).toBe("Reply in JSON.");
  });

  it("refuses json_object together with client tools", () => {
    const tools = requestFixture("multi-turn-tools").tools;
    expect(inputError(() => translate(simple({ tools, response_format: { type: "json_object" } }))).param).toBe("response_format");
  });

  it("ignores response_format text", () => {
    const { params } = translate(simple({ response_format: { type: "text" } }));
    expect(params.output_config).toBeUndefined();
    expect(params.tools).toBeUndefined();
  });

  it("takes response_format null as no format, like the spec (found by the fuzz test)", () => {
    const { params } = translate(simple({ response_format: null }));
    expect(params.output_config).toBeUndefined();
    expect(params.tools).toBeUndefined();
  });
});
