import { describe, expect, it } from "vitest";
import { errorBodyOf, parseErrorEnvelope } from "../../src/providers/error-envelope.ts";

describe("parseErrorEnvelope", () => {
  it("reads OpenAI's envelope", () => {
    const text = JSON.stringify({ error: { message: "Invalid value for 'temperature'", type: "invalid_request_error", param: "temperature", code: "invalid_value" } });
    expect(parseErrorEnvelope(text)).toEqual({ message: "Invalid value for 'temperature'", type: "invalid_request_error", param: "temperature", code: "invalid_value" });
  });

  it("reads Azure's code-and-message envelope and a bare string error", () => {
    expect(parseErrorEnvelope('{"error":{"code":"429","message":"Please retry after 6 seconds."}}')).toEqual({
      message: "Please retry after 6 seconds.",
      type: undefined,
      param: null,
      code: "429",
    });
    expect(parseErrorEnvelope('{"error":"model not loaded"}')).toEqual({ message: "model not loaded" });
  });

  it("gives undefined for anything else", () => {
    expect(parseErrorEnvelope("<html>502 Bad Gateway</html>")).toBeUndefined();
    expect(parseErrorEnvelope('{"statusCode":401,"message":"Access denied"}')).toBeUndefined();
    expect(parseErrorEnvelope('{"error":{"code":500}}')).toBeUndefined();
    expect(parseErrorEnvelope("null")).toBeUndefined();
  });
});

describe("errorBodyOf", () => {
  it("reads an already unwrapped error member", () => {
    expect(errorBodyOf({ message: "x", code: 42 })).toEqual({ message: "x", type: undefined, param: null, code: 42 });
    expect(errorBodyOf(undefined)).toBeUndefined();
  });
});
