// The Messages door's string walker for the content detectors: every client string of the body
// the native lane forwards, and none of the opaque payloads.
import { describe, expect, it } from "vitest";
import { bodyText } from "../../../src/dialects/anthropic-messages/body-text.ts";

describe("the Messages body's client text", () => {
  const body = {
    model: "claude-secret-model-name",
    max_tokens: 4111,
    system: [{ type: "text", text: "You are careful.", cache_control: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "card 4111 1111" }, { type: "text", text: " 1111 1111" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=" } }] },
      { role: "assistant", content: [{ type: "thinking", thinking: "plan quietly", signature: "SIGNATURE-BYTES-0123456789" }, { type: "redacted_thinking", data: "REDACTED-PAYLOAD" }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "rows: 42" }] }] },
    ],
    tools: [{ name: "lookup_customer", description: "finds a customer", input_schema: { type: "object", properties: { customer_email: { type: "string" } } } }],
    future_field: { nested: ["deep value"] },
  };
  const texts = [...bodyText(body)];

  it("reads system blocks, turns, thinking text, tool results, tool definitions, numbers and unknown fields", () => {
    expect(texts).toEqual(expect.arrayContaining(["You are careful.", "card 4111 1111", "plan quietly", "rows: 42", "lookup_customer", "finds a customer", "customer_email", "4111", "future_field", "deep value"]));
  });

  it("reads a turn's text blocks run together, so a pattern split across blocks matches", () => {
    expect(texts).toContain("card 4111 1111 1111 1111");
  });

  it("skips the model, grammar words and opaque payloads: base64 media, signatures, redacted thinking", () => {
    for (const skipped of ["claude-secret-model-name", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", "SIGNATURE-BYTES-0123456789", "REDACTED-PAYLOAD", "text", "ephemeral", "tool_result"]) {
      expect(texts).not.toContain(skipped);
    }
  });
});
