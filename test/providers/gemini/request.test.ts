// OpenAI request → Gemini generateContent request (SDK shape), pure.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import { UNKNOWN_SIGNATURE } from "../../../src/providers/gemini/messages.ts";
import { imageUrls, isGemini3OrLater, toGeminiRequest } from "../../../src/providers/gemini/request.ts";
import type { InlineImage } from "../../../src/providers/images.ts";
import type { ChatRequest } from "../../../src/providers/types.ts";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/gemini/${name}`, import.meta.url), "utf8")) as ChatRequest;
const noImages = new Map<string, InlineImage>();
const req = (over: Partial<ChatRequest>): ChatRequest => ({ model: "m", messages: [{ role: "user", content: "hi" }], ...over });
const translate = (r: ChatRequest, model = "gemini-2.5-flash", images = noImages) => toGeminiRequest(r, model, images);

function inputError(fn: () => unknown): GatewayInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayInputError) return error;
    throw error;
  }
  throw new Error("expected a GatewayInputError");
}

const weatherSchema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const tools = [
  { type: "function" as const, function: { name: "get_weather", parameters: weatherSchema } },
  { type: "function" as const, function: { name: "get_time", description: "Local time" } },
];

describe("toGeminiRequest: a multi-turn tool conversation", () => {
  const out = translate(fixture("openai-request-tool-round-trip.json"), "gemini-3-flash-preview");

  it("puts system and developer messages into systemInstruction", () => {
    expect(out.config.systemInstruction).toEqual({
      parts: [{ text: "You are a travel assistant. Use metric units." }, { text: "Call tools when you need live data." }],
    });
  });

  it("maps roles, restores the thought signature and names each tool result after its call", () => {
    expect(out.contents).toEqual([
      { role: "user", parts: [{ text: "What's the weather in Paris and London right now?" }] },
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "get_weather", args: { city: "Paris", unit: "celsius" } },
            thoughtSignature: "Ev0CAdHtim/+aVQk3l2MjGxQm8hyDQl0n9zL3kU2nq7pB2cJ+1f0xw==",
          },
          { functionCall: { name: "get_weather", args: { city: "London", unit: "celsius" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp: 18, sky: "cloudy" } } },
          { functionResponse: { name: "get_weather", response: { output: "Rain, 14 °C" } } },
        ],
      },
      { role: "model", parts: [{ text: "Paris: 18 °C and cloudy. London: 14 °C with rain." }] },
      { role: "user", parts: [{ text: "Thanks! And tomorrow?" }] },
    ]);
  });

  it("declares tools with their JSON schema, minus the $schema marker", () => {
    expect(out.config.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Current weather for a city",
            parametersJsonSchema: {
              type: "object",
              properties: { city: { type: "string", description: "City name" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
              required: ["city"],
              additionalProperties: false,
            },
          },
          {
            name: "get_forecast",
            description: "Forecast for the next days",
            parametersJsonSchema: {
              type: "object",
              properties: { city: { type: "string" }, days: { type: "integer", minimum: 1, maximum: 7 } },
              required: ["city", "days"],
            },
          },
        ],
      },
    ]);
    expect(out.config.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
  });

  it("maps sampling parameters and drops `user`, which Gemini has no field for", () => {
    expect(out.config).toMatchObject({ temperature: 0.3, maxOutputTokens: 512 });
    expect(JSON.stringify(out)).not.toContain("user-4711");
  });
});

describe("toGeminiRequest: messages", () => {
  it("merges consecutive turns of one role and skips empty ones", () => {
    const out = translate(
      req({
        messages: [
          { role: "user", content: "first" },
          { role: "user", content: [{ type: "text", text: "second" }] },
          { role: "assistant", content: "" },
          { role: "assistant", content: "a" },
          { role: "assistant", content: [{ type: "text", text: "b" }, { type: "refusal", refusal: "no" }] },
          { role: "user", content: "third" },
        ],
      }),
    );
    expect(out.contents).toEqual([
      { role: "user", parts: [{ text: "first" }, { text: "second" }] },
      { role: "model", parts: [{ text: "a" }, { text: "b" }, { text: "no" }] },
      { role: "user", parts: [{ text: "third" }] },
    ]);
    expect(out.config.systemInstruction).toBeUndefined();
  });

  it("gathers system text from anywhere in the conversation, in order", () => {
    const out = translate(
      req({
        messages: [
          { role: "developer", content: "Rule one." },
          { role: "user", content: "hi" },
          { role: "system", content: "Rule two." },
        ],
      }),
    );
    expect(out.config.systemInstruction).toEqual({ parts: [{ text: "Rule one." }, { text: "Rule two." }] });
    expect(out.contents).toEqual([{ role: "user", parts: [{ text: "hi" }] }]);
  });

  it("keeps unicode text as it is", () => {
    const text = "日本語のテキスト — ünïcödé ✓ 👩‍💻 \u{1F600}";
    expect(translate(req({ messages: [{ role: "user", content: text }] })).contents[0]?.parts).toEqual([{ text }]);
  });

  it("sends images inline: data URLs decoded, fetched URLs from the resolved map", () => {
    const images = new Map<string, InlineImage>([["https://example.com/cat.png", { mimeType: "image/png", data: "iVBORw0KGgo=" }]]);
    const out = translate(
      req({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Compare these" },
              { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
              { type: "image_url", image_url: { url: "data:image/webp;base64,UklGRg==" } },
              { type: "input_audio", input_audio: { data: "SUQzAwAAAAAA", format: "mp3" } },
              { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0xLjQ=", filename: "a.pdf" } },
            ],
          },
        ],
      }),
      "gemini-2.5-flash",
      images,
    );
    expect(out.contents[0]?.parts).toEqual([
      { text: "Compare these" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { inlineData: { mimeType: "image/webp", data: "UklGRg==" } },
      { inlineData: { mimeType: "audio/mp3", data: "SUQzAwAAAAAA" } },
      { inlineData: { mimeType: "application/pdf", data: "JVBERi0xLjQ=" } },
    ]);
  });

  it("lists the image URLs the caller must load", () => {
    const r = req({
      messages: [
        { role: "system", content: "x" },
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://a.example/1.png" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            { type: "image_url", image_url: { url: "https://a.example/1.png" } },
          ],
        },
      ],
    });
    expect(imageUrls(r)).toEqual(["https://a.example/1.png", "data:image/png;base64,AAAA"]);
  });

  it("refuses an http image that was not loaded, and OpenAI file ids", () => {
    expect(
      inputError(() => translate(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.example/a.png" } }] }] }))).param,
    ).toBe("messages");
    expect(inputError(() => translate(req({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }] }))).param).toBe(
      "messages",
    );
  });

  it("refuses a conversation with nothing to answer", () => {
    const error = inputError(() => translate(req({ messages: [{ role: "system", content: "only rules" }, { role: "user", content: "" }] })));
    expect(error.param).toBe("messages");
  });

  it("refuses a tool result for a call no assistant message made", () => {
    const error = inputError(() =>
      translate(req({ messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "call_missing", content: "42" }] })),
    );
    expect(error.param).toBe("messages");
    expect(error.message).toContain("call_missing");
  });

  it("refuses tool call arguments that are not a JSON object", () => {
    const error = inputError(() =>
      translate(
        req({
          messages: [
            { role: "user", content: "x" },
            { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "[1,2]" } }] },
          ],
        }),
      ),
    );
    expect(error.param).toBe("messages");
  });

  it("wraps non-object tool results under `output`, keeping JSON values typed", () => {
    const out = translate(
      req({
        messages: [
          { role: "user", content: "x" },
          {
            role: "assistant",
            content: "Calling.",
            tool_calls: [
              { id: "a", type: "function", function: { name: "f", arguments: "" } },
              { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
              { id: "c", type: "function", function: { name: "h", arguments: '{"q":"ß"}' } },
            ],
          },
          { role: "tool", tool_call_id: "a", content: "[1,2,3]" },
          { role: "tool", tool_call_id: "b", content: "" },
          { role: "tool", tool_call_id: "c", content: "not json {" },
        ],
      }),
    );
    expect(out.contents[1]).toEqual({
      role: "model",
      parts: [
        { text: "Calling." },
        { functionCall: { name: "f", args: {} } },
        { functionCall: { name: "g", args: {} } },
        { functionCall: { name: "h", args: { q: "ß" } } },
      ],
    });
    expect(out.contents[2]?.parts).toEqual([
      { functionResponse: { name: "f", response: { output: [1, 2, 3] } } },
      { functionResponse: { name: "g", response: { output: "" } } },
      { functionResponse: { name: "h", response: { output: "not json {" } } },
    ]);
  });

  it("signs replayed unsigned calls with Gemini's placeholder on Gemini 3, once per turn", () => {
    const r = req({
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "toolu_01", type: "function", function: { name: "f", arguments: "{}" } },
            { id: "toolu_02", type: "function", function: { name: "g", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_01", content: "1" },
        { role: "tool", tool_call_id: "toolu_02", content: "2" },
      ],
    });
    expect(translate(r, "gemini-3-pro-preview").contents[1]?.parts).toEqual([
      { functionCall: { name: "f", args: {} }, thoughtSignature: UNKNOWN_SIGNATURE },
      { functionCall: { name: "g", args: {} } },
    ]);
    expect(translate(r, "gemini-2.5-flash").contents[1]?.parts).toEqual([
      { functionCall: { name: "f", args: {} } },
      { functionCall: { name: "g", args: {} } },
    ]);
  });

  it("translates the legacy function_call / function messages", () => {
    const out = translate(
      req({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, function_call: { name: "lookup", arguments: '{"id":7}' } },
          { role: "function", name: "lookup", content: '{"found":true}' },
        ],
        functions: [{ name: "lookup", parameters: { type: "object", properties: { id: { type: "integer" } } } }],
        function_call: { name: "lookup" },
      }),
    );
    expect(out.contents.slice(1)).toEqual([
      { role: "model", parts: [{ functionCall: { name: "lookup", args: { id: 7 } } }] },
      { role: "user", parts: [{ functionResponse: { name: "lookup", response: { found: true } } }] },
    ]);
    expect(out.config.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["lookup"] } });
  });
});

describe("toGeminiRequest: tools and tool_choice", () => {
  it.each([
    ["auto", { mode: "AUTO" }],
    ["none", { mode: "NONE" }],
    ["required", { mode: "ANY" }],
    [{ type: "function", function: { name: "get_time" } }, { mode: "ANY", allowedFunctionNames: ["get_time"] }],
    [
      { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "get_weather" } }] } },
      { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    ],
  ] as const)("maps tool_choice %j", (choice, config) => {
    const out = translate(req({ tools, tool_choice: choice as NonNullable<ChatRequest["tool_choice"]> }));
    expect(out.config.toolConfig).toEqual({ functionCallingConfig: config });
    expect(out.config.tools?.[0]?.functionDeclarations?.map((d) => d.name)).toEqual(["get_weather", "get_time"]);
  });

  it("offers only the allowed tools in allowed_tools auto mode", () => {
    const out = translate(
      req({ tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "get_time" } }] } } }),
    );
    expect(out.config.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(out.config.tools).toEqual([{ functionDeclarations: [{ name: "get_time", description: "Local time" }] }]);
  });

  it("sends no tool config for tool_choice none or auto without tools", () => {
    expect(translate(req({ tool_choice: "none" })).config).toEqual({});
    expect(translate(req({ tool_choice: "auto", tools: [] })).config).toEqual({});
  });

  it("sends no tool config when the client set no tool_choice", () => {
    const out = translate(req({ tools }));
    expect(out.config.toolConfig).toBeUndefined();
    expect(out.config.tools?.[0]?.functionDeclarations).toHaveLength(2);
  });

  it("strips $schema wherever it is a keyword, and only there", () => {
    const parameters = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        $schema: { type: "string", description: "a property that happens to be called $schema" },
        items: { type: "array", items: { $schema: "x", type: "object", properties: { id: { type: "string" } } } },
        choice: { anyOf: [{ $schema: "x", type: "string" }, { type: "null" }] },
      },
      $defs: { Thing: { $schema: "x", type: "object", additionalProperties: { $schema: "x", type: "number" } } },
    };
    const out = translate(req({ tools: [{ type: "function", function: { name: "f", parameters } }] }));
    expect(out.config.tools?.[0]?.functionDeclarations?.[0]?.parametersJsonSchema).toEqual({
      type: "object",
      properties: {
        $schema: { type: "string", description: "a property that happens to be called $schema" },
        items: { type: "array", items: { type: "object", properties: { id: { type: "string" } } } },
        choice: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      $defs: { Thing: { type: "object", additionalProperties: { type: "number" } } },
    });
  });

  it.each([
    ["a named function that is not declared", { tools, tool_choice: { type: "function", function: { name: "nope" } } }, "tool_choice"],
    ["required without tools", { tool_choice: "required" }, "tool_choice"],
    ["a custom tool", { tools: [{ type: "custom", custom: { name: "grammar" } }] }, "tools"],
    ["a custom tool_choice", { tools, tool_choice: { type: "custom", custom: { name: "x" } } }, "tool_choice"],
  ])("refuses %s", (_name, over, param) => {
    expect(inputError(() => translate(req(over as Partial<ChatRequest>))).param).toBe(param);
  });
});

describe("toGeminiRequest: generation parameters", () => {
  it("maps sampling, length, stop, n, seed and penalties", () => {
    const out = translate(
      req({ temperature: 0, top_p: 0.9, max_tokens: 100, stop: "END", n: 3, seed: 42, presence_penalty: 0.5, frequency_penalty: -0.5 }),
    );
    expect(out.config).toEqual({
      temperature: 0,
      topP: 0.9,
      maxOutputTokens: 100,
      stopSequences: ["END"],
      candidateCount: 3,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    });
  });

  it("prefers max_completion_tokens, takes stop lists, and leaves n=1 and nulls out", () => {
    const out = translate(req({ max_tokens: 10, max_completion_tokens: 20, stop: ["\n\n", "###"], n: 1, temperature: null, seed: null }));
    expect(out.config).toEqual({ maxOutputTokens: 20, stopSequences: ["\n\n", "###"] });
  });

  it("maps JSON mode and JSON schema output", () => {
    expect(translate(req({ response_format: { type: "json_object" } })).config).toEqual({ responseMimeType: "application/json" });
    expect(translate(req({ response_format: { type: "text" } })).config).toEqual({});
    const schema = { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    expect(translate(req({ response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } } })).config).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] },
    });
  });

  it("maps reasoning_effort to thinking budgets before Gemini 3 and to levels from Gemini 3 on", () => {
    expect(translate(req({ reasoning_effort: "none" }), "gemini-2.5-flash").config.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(translate(req({ reasoning_effort: "high" }), "gemini-2.5-pro").config.thinkingConfig).toEqual({ thinkingBudget: 24576 });
    expect(translate(req({ reasoning_effort: "low" }), "gemini-3-pro-preview").config.thinkingConfig).toEqual({ thinkingLevel: "LOW" });
    expect(translate(req({ reasoning_effort: "minimal" }), "models/gemini-3-flash").config.thinkingConfig).toEqual({ thinkingLevel: "MINIMAL" });
    expect(inputError(() => translate(req({ reasoning_effort: "xhigh" }), "gemini-3-pro-preview")).param).toBe("reasoning_effort");
    expect(inputError(() => translate(req({ reasoning_effort: "minimal" }), "gemini-2.5-flash")).param).toBe("reasoning_effort");
  });

  it("tells Gemini generations apart by model name", () => {
    expect(["gemini-3-pro-preview", "models/gemini-3.1-flash", "gemini-10-ultra"].map(isGemini3OrLater)).toEqual([true, true, true]);
    expect(["gemini-2.5-flash", "gemini-1.5-pro", "gemma-3-27b-it", "learnlm-2.0"].map(isGemini3OrLater)).toEqual([false, false, false, false]);
  });

  it.each([
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 3 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["audio", { audio: { format: "wav", voice: "alloy" } }],
    ["modalities", { modalities: ["text", "audio"] }],
    ["web_search_options", { web_search_options: {} }],
    ["verbosity", { verbosity: "low" }],
    ["moderation", { moderation: {} }],
    ["n", { n: 0 }],
  ])("refuses %s with a 400 naming it", (param, over) => {
    const error = inputError(() => translate(req(over as Partial<ChatRequest>)));
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it("accepts the parameters it may drop without changing the answer", () => {
    const out = translate(
      req({
        user: "u1",
        metadata: { team: "a" },
        store: false,
        service_tier: "auto",
        logprobs: false,
        logit_bias: {},
        modalities: ["text"],
        parallel_tool_calls: true,
        prompt_cache_key: "k",
        stream_options: { include_usage: true },
      }),
    );
    expect(out.config).toEqual({});
  });
});
