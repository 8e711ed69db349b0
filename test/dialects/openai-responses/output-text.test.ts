// The text of a relayed Responses answer, as `logging.bodies` records it on the native lane.
import { describe, expect, it } from "vitest";
import { responsesText } from "../../../src/dialects/openai-responses/output-text.ts";

const message = (...texts: string[]) => ({ type: "message", content: texts.map((text) => ({ type: "output_text", text, annotations: [] })) });
const frame = (event: Record<string, unknown>) => `event: ${String(event["type"])}\ndata: ${JSON.stringify(event)}\n\n`;

describe("responsesText", () => {
  it("joins a Response's output_text parts, messages a paragraph apart, skipping calls and reasoning", () => {
    const response = { output: [{ type: "reasoning", summary: [{ type: "summary_text", text: "thinking" }] }, message("Hello ", "there."), { type: "function_call", arguments: "{}" }, message("Bye.")] };
    expect(responsesText(JSON.stringify(response), false)).toBe("Hello there.\n\nBye.");
  });

  it("reads a stream's text deltas, and its terminal response when it sent none", () => {
    const deltas = [frame({ type: "response.created", response: { output: [] } }), frame({ type: "response.output_text.delta", delta: "Hi " }), frame({ type: "response.output_text.delta", delta: "you" })];
    expect(responsesText(deltas.join(""), true)).toBe("Hi you");
    const whole = [frame({ type: "response.created", response: { output: [] } }), frame({ type: "response.completed", response: { output: [message("All at once.")] } })];
    expect(responsesText(whole.join(""), true)).toBe("All at once.");
  });

  it("keeps what it could read of a stream cut at the capture limit, and reads nothing from garbage", () => {
    const cut = frame({ type: "response.output_text.delta", delta: "kept" }) + 'data: {"type":"response.output_text.delta","del';
    expect(responsesText(cut, true)).toBe("kept");
    expect(responsesText("not json", false)).toBe("");
    expect(responsesText(JSON.stringify({ error: { message: "x" } }), false)).toBe("");
  });
});
