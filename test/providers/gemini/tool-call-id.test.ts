// The tool-call id scheme that carries Gemini thought signatures through stateless clients.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thoughtSignatureOf, toolCallId } from "../../../src/providers/gemini/tool-call-id.ts";

const ALPHABET = /^[A-Za-z0-9_-]+$/;

describe("toolCallId / thoughtSignatureOf", () => {
  it("derives plain ids from the completion id, choice and position", () => {
    expect(toolCallId("chatcmpl-ab12", 0, 0)).toBe("call_ab12_0_0");
    expect(toolCallId("chatcmpl-ab12", 1, 3)).toBe("call_ab12_1_3");
    expect(thoughtSignatureOf("call_ab12_0_0")).toBeUndefined();
    expect(thoughtSignatureOf("call_abc123")).toBeUndefined();
  });

  it("round-trips a base64 signature using only id-safe characters", () => {
    const signature = "Ev0CAdHtim/+aVQk3l2MjGxQm8hyDQl0n9zL3kU2nq7pB2cJ+1f0xw==";
    const id = toolCallId("chatcmpl-ab12", 0, 0, signature);
    expect(id).toMatch(ALPHABET);
    expect(id.startsWith("call_ab12_0_0__ts_")).toBe(true);
    expect(thoughtSignatureOf(id)).toBe(signature);
  });

  it("round-trips any base64 signature", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.nat(7), fc.nat(20), (bytes, choice, index) => {
        const signature = Buffer.from(bytes).toString("base64");
        const id = toolCallId("chatcmpl-0f9e", choice, index, signature);
        expect(id).toMatch(ALPHABET);
        expect(thoughtSignatureOf(id)).toBe(signature);
      }),
    );
  });

  it("round-trips a signature that is not base64", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (signature) => {
        const id = toolCallId("chatcmpl-0f9e", 0, 0, signature);
        expect(id).toMatch(ALPHABET);
        expect(thoughtSignatureOf(id)).toBe(signature);
      }),
    );
  });

  it("keeps a completion id with unusual characters out of the tool-call id alphabet", () => {
    expect(toolCallId("chatcmpl-a.b/c+d", 0, 2)).toBe("call_abcd_0_2");
  });
});
