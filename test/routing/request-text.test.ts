import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/providers/types.ts";
import { requestText } from "../../src/routing/request-text.ts";

const SECRET = "4111 1111 1111 1111";
const texts = (body: Record<string, unknown>): string[] => [...requestText(body as unknown as ChatRequest)];
const withUser = (extra: Record<string, unknown>, message: Record<string, unknown> = {}) =>
  texts({ model: "m", messages: [{ role: "user", content: "hi", ...message }], ...extra });

describe("the client's text in a chat request", () => {
  it.each([
    ["assistant tool call arguments", { messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "pay", arguments: `{"card":"${SECRET}"}` } }] }] }],
    ["a tool call id", { messages: [{ role: "assistant", content: null, tool_calls: [{ id: SECRET, type: "function", function: { name: "f", arguments: "{}" } }] }] }],
    ["a tool result", { messages: [{ role: "tool", tool_call_id: "c1", content: SECRET }] }],
    ["a tool's name", { tools: [{ type: "function", function: { name: SECRET } }] }],
    ["a tool's description", { tools: [{ type: "function", function: { name: "f", description: `charge ${SECRET}` } }] }],
    ["a tool's parameter schema", { tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { card: { type: "string", enum: [SECRET] } } } } }] }],
    ["a custom tool", { tools: [{ type: "custom", custom: { name: "f", description: SECRET } }] }],
    ["tool_choice", { tool_choice: { type: "function", function: { name: SECRET } } }],
    ["user", { user: SECRET }],
    ["a message name", { messages: [{ role: "user", name: SECRET, content: "hi" }] }],
    ["an assistant refusal", { messages: [{ role: "assistant", content: null, refusal: SECRET }] }],
    ["a refusal part", { messages: [{ role: "assistant", content: [{ type: "refusal", refusal: SECRET }] }] }],
    ["a metadata value", { metadata: { note: SECRET } }],
    ["a metadata key", { metadata: { [SECRET]: "x" } }],
    ["an image URL", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `https://example.com/${SECRET}.png` } }] }] }],
    ["a plain data URL", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:text/plain,${SECRET}` } }] }] }],
    ["a file name", { messages: [{ role: "user", content: [{ type: "file", file: { filename: `${SECRET}.pdf`, file_id: "f1" } }] }] }],
    ["a response_format schema", { response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object", description: SECRET } } } }],
    ["a response_format schema's property name", { response_format: { type: "json_schema", json_schema: { name: "out", schema: { properties: { [SECRET]: { type: "string" } } } } } }],
    ["prediction", { prediction: { type: "content", content: SECRET } }],
    ["stop", { stop: ["END", SECRET] }],
    ["an unknown field's value", { vendor_extra: { deep: [{ note: SECRET }] } }],
    ["an unknown field's name", { [SECRET]: true }],
    ["an unknown field on a message", { messages: [{ role: "user", content: "hi", annotations: { card: SECRET } }] }],
    ["an unknown field on a part", { messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: { note: SECRET } }] }] }],
    ["a number that travels as JSON text", { metadata: { card: 4111111111111111 } }],
  ])("includes %s", (_where, body) => {
    const found = texts({ model: "m", messages: [{ role: "user", content: "hi" }], ...body });
    expect(found.some((t) => /4111 ?1111 ?1111 ?1111/.test(t))).toBe(true);
  });

  it("joins the text parts of a message, and keeps each part alone too", () => {
    const found = texts({
      model: "m",
      messages: [{ role: "user", content: [{ type: "text", text: "card 4111 1111" }, { type: "image_url", image_url: { url: "https://x/y.png" } }, { type: "text", text: " 1111 1111, thanks" }] }],
    });
    expect(found).toEqual(["card 4111 1111", "https://x/y.png", " 1111 1111, thanks", "card 4111 1111 1111 1111, thanks"]);
  });

  it("reads tool call arguments decoded as well when they carry escapes", () => {
    const call = (args: string) => ({ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: args } }] });
    const escaped = String.raw`{"note":"Project\tFalcon","card":"\u0034111"}`;
    expect(texts({ model: "m", messages: [call(escaped)] })).toEqual(["c1", "f", escaped, "note", "Project\tFalcon", "card", "4111"]);
    const legacy = { role: "assistant", content: null, function_call: { name: "f", arguments: String.raw`{"a":"x\ny"}` } };
    expect(texts({ model: "m", messages: [legacy] })).toContain("x\ny");
    const plain = '{"plain":"no escapes"}';
    const broken = String.raw`not json \ at all`;
    expect(texts({ model: "m", messages: [call(plain), call(broken)] })).toEqual(["c1", "f", plain, "c1", "f", broken]);
  });

  it("does not join text across messages", () => {
    const found = texts({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "4111 1111" }] }, { role: "user", content: [{ type: "text", text: " 1111 1111" }] }] });
    expect(found).toEqual(["4111 1111", " 1111 1111"]);
  });

  it("comes in document order, keys before their values", () => {
    expect(withUser({ metadata: { team: "blue", tags: ["a", "b"] }, user: "u1" })).toEqual(["hi", "team", "blue", "tags", "a", "b", "u1"]);
  });

  it("leaves out what does not go upstream or is no one's text: the model name, routing hints, roles and the API's own words", () => {
    const found = withUser({ metadata: { sensitivity: "confidential", complexity: "simple", kept: "yes" }, tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {}, required: [] } } }], tool_choice: "auto" });
    expect(found).toEqual(["hi", "kept", "yes", "f"]);
  });

  it("reads a base64 data URL up to its payload, and not base64 audio at all", () => {
    const payload = "QUJD".repeat(1000);
    const found = texts({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${payload}` } }, { type: "input_audio", input_audio: { data: payload, format: "wav" } }] }],
    });
    expect(found).toEqual(["data:image/png;base64,", "wav"]);
  });

  it("walks nesting far deeper than the call stack allows", () => {
    let deep: unknown = SECRET;
    for (let i = 0; i < 200_000; i += 1) deep = i % 2 === 0 ? [deep] : { k: deep };
    for (const where of ["metadata", "vendor_extra"]) {
      const found = withUser({ [where]: { deep } });
      expect(found.at(-1)).toBe(SECRET);
    }
    const tool = { type: "function", function: { name: "f", parameters: { type: "object", properties: { p: deep } } } };
    expect(withUser({ tools: [tool] }).at(-1)).toBe(SECRET);
  });

  it("reads nothing until it is iterated", () => {
    let reads = 0;
    const req = { model: "m", get messages() {
      reads += 1;
      return [{ role: "user", content: "hi" }];
    } };
    const lazy = requestText(req as unknown as ChatRequest);
    expect(reads).toBe(0);
    expect([...lazy]).toEqual(["hi"]);
    expect(reads).toBe(1);
  });
});
