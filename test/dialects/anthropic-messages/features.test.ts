// Routing measures a Messages body as it came, without translating it to chat: the features must
// say what measuring the chat translation says (tools, images, budget) and estimate the prompt
// within a few percent of it.
import { describe, expect, it } from "vitest";
import { messagesFeatures } from "../../../src/dialects/anthropic-messages/features.ts";
import { toChat } from "../../../src/dialects/anthropic-messages/to-chat.ts";
import { parseMessages } from "../../../src/dialects/anthropic-messages/validate.ts";
import { MESSAGES_BODY } from "../../../src/dialects/anthropic-messages/request.ts";
import { measure } from "../../../src/routing/features.ts";
import type { ParseContext } from "../../../src/pipeline/front-door.ts";

const para = "the team will review every open item before the next release ".repeat(20);

/** A Claude Code turn: attribution and instructions, tool calls and their results, tools. */
function agentBody(turns: number): Record<string, unknown> {
  const messages: unknown[] = [{ role: "user", content: "fix the failing test" }];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: "assistant", content: [{ type: "text", text: `Reading ${i}.` }, { type: "tool_use", id: `toolu_${i}`, name: "Read", input: { file_path: `/src/f${i}.ts`, limit: 200 } }] });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: `toolu_${i}`, content: [{ type: "text", text: para }] }] });
  }
  messages.push({ role: "user", content: [{ type: "text", text: "and this screenshot" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] });
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 32000,
    system: [{ type: "text", text: "x-anthropic-billing-header: cc_version=1;" }, { type: "text", text: para }],
    messages,
    tools: [{ name: "Read", description: "Reads a file", input_schema: { type: "object", properties: { file_path: { type: "string" } }, required: ["file_path"] } }],
  };
}

describe("messagesFeatures", () => {
  it("agrees with measuring the chat translation", () => {
    for (const turns of [0, 3, 40]) {
      const body = agentBody(turns);
      const own = messagesFeatures(body);
      const viaChat = measure(toChat(body).chat);
      expect(own).toMatchObject({ hasTools: viaChat.hasTools, hasImages: viaChat.hasImages, maxTokens: viaChat.maxTokens });
      expect(Math.abs(own.promptTokens - viaChat.promptTokens) / viaChat.promptTokens).toBeLessThan(0.05);
    }
  });

  it("reads a string system prompt and string turns, and a body without tools", () => {
    const body = { model: "m", max_tokens: 10, system: "x".repeat(400), messages: [{ role: "user", content: "y".repeat(400) }] };
    expect(messagesFeatures(body)).toEqual({ promptTokens: 200 + 8, hasTools: false, hasImages: false, maxTokens: 10 });
  });
});

describe("the Messages request", () => {
  const context = { headers: { "anthropic-beta": "x" }, search: "?beta=true" } as unknown as ParseContext;

  it("translates to chat only on first use, once, and without the routing hints", () => {
    const req = parseMessages({ ...agentBody(1), metadata: { user_id: "u", sensitivity: "confidential" } }, context);
    expect(req.hints).toEqual({ sensitivity: "confidential" });
    expect(req[MESSAGES_BODY].body["metadata"]).toEqual({ user_id: "u" });
    const first = req[MESSAGES_BODY].translation();
    expect(req[MESSAGES_BODY].translation()).toBe(first);
    expect(first.chat).not.toHaveProperty("metadata");
    expect(first.chat.messages.length).toBeGreaterThan(0);
  });
});
