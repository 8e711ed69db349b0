import { describe, expect, it } from "vitest";
import { messagesPromptBound } from "../../../src/dialects/anthropic-messages/prompt-bound.ts";
import { toChat } from "../../../src/dialects/anthropic-messages/to-chat.ts";
import { estimatePromptTokens } from "../../../src/limits/tokens.ts";

const MODEL = "claude-sonnet-4-6";
const png = "iVBORw0KGgoAAAANSUhEUgAACAAAAAMACAYAAAAAAAAA";

const bodies: Record<string, Record<string, unknown>> = {
  "one short turn": { model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "hi" }] },
  "empty text": { model: MODEL, max_tokens: 16, messages: [{ role: "user", content: "" }] },
  "system blocks and CJK": {
    model: MODEL,
    max_tokens: 16,
    system: [{ type: "text", text: "x-anthropic-billing-header: a" }, { type: "text", text: "be brief" }],
    messages: [{ role: "user", content: [{ type: "text", text: "你好世界".repeat(50) }] }],
  },
  "tools, tool use and results with escapes": {
    model: MODEL,
    max_tokens: 16,
    tools: [{ name: "f", description: "d", input_schema: { type: "object", properties: { a: { type: "number" } } } }],
    messages: [
      { role: "user", content: "call f" },
      { role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: { a: 1e300, b: "\u0001\u0002\"\n" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "ok" }, { type: "tool_result", tool_use_id: "u", content: [{ type: "text", text: "x" }] }] },
    ],
  },
  "a large PNG": {
    model: MODEL,
    max_tokens: 16,
    messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: png } }] }],
  },
  "a JSON schema output": {
    model: MODEL,
    max_tokens: 16,
    output_config: { format: { type: "json_schema", schema: { type: "object", properties: { n: { type: "integer" } } } } },
    messages: [{ role: "user", content: "n?" }],
  },
};

describe("messagesPromptBound", () => {
  for (const [name, body] of Object.entries(bodies)) {
    it(`is at least the estimate of the translation: ${name}`, () => {
      expect(messagesPromptBound(body)).toBeGreaterThanOrEqual(estimatePromptTokens(toChat(body).chat, MODEL));
    });
  }
});
