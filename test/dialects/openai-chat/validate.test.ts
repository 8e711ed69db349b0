// The chat door checks only the fields a request carries, yet answers as if it checked all of
// them in a fixed order: the same field is named whatever the order of the request's keys.
import { describe, expect, it } from "vitest";
import { validateChatRequest } from "../../../src/dialects/openai-chat/validate.ts";
import type { GatewayError } from "../../../src/http/errors.ts";

const user = { role: "user", content: "hi" };

function errorOf(body: unknown): Pick<GatewayError, "status" | "message" | "param"> {
  try {
    validateChatRequest(body);
  } catch (error) {
    const { status, message, param } = error as GatewayError;
    return { status, message, param };
  }
  throw new Error("expected a 400");
}

describe("validateChatRequest", () => {
  it("names the same wrong field whatever the order of the keys", () => {
    const wrong = { metadata: { tier: 3 }, tool_choice: 5, temperature: 9 };
    const first = errorOf({ model: "m", messages: [user], ...wrong });
    const reversed = errorOf({ model: "m", messages: [user], ...Object.fromEntries(Object.entries(wrong).reverse()) });
    expect(first).toEqual({ status: 400, message: "temperature must be a number between 0 and 2", param: "temperature" });
    expect(reversed).toEqual(first);
  });

  it("passes plain turns and unknown fields, including names an object's prototype carries", () => {
    const body = {
      model: "m",
      messages: [{ role: "system", content: "be brief" }, user, { role: "assistant", content: "hello", name: "a" }, { role: "developer", content: "", name: null }],
      constructor: 1,
      toString: "x",
      extension: { any: "thing" },
      max_tokens: 8,
    };
    expect(validateChatRequest(body)).toBe(body);
  });

  it("reports a message that is not an object before an earlier message's wrong role", () => {
    expect(errorOf({ model: "m", messages: [{ role: "robot", content: "x" }, 7] })).toMatchObject({ param: "messages[1]" });
  });

  it("still checks what a plain turn leaves out", () => {
    expect(errorOf({ model: "m", messages: [{ role: "user", content: "x", name: 5 }] })).toMatchObject({ param: "messages[0].name" });
    expect(errorOf({ model: "m", messages: [{ role: "tool", content: "x" }] })).toMatchObject({ param: "messages[0].tool_call_id" });
    expect(errorOf({ model: "m", messages: [{ role: "assistant", content: "x", refusal: 1 }] })).toMatchObject({ param: "messages[0].refusal" });
  });
});
