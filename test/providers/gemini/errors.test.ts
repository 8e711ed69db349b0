// SDK errors and transport failures → UpstreamError.
import { readFileSync } from "node:fs";
import { ApiError } from "@google/genai";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { parseGoogleError, retryDelayMs, toUpstreamError } from "../../../src/providers/gemini/errors.ts";

const body = (name: string) => readFileSync(new URL(`../../fixtures/gemini/${name}`, import.meta.url), "utf8");
const live = new AbortController().signal;
/** ApiError as the SDK builds it for an HTTP error: the JSON body is the message. */
const httpError = (status: number, name: string) => new ApiError({ status, message: JSON.stringify(JSON.parse(body(name))) });

describe("toUpstreamError", () => {
  it("keeps a 429 RESOURCE_EXHAUSTED retryable, with the RetryInfo delay", () => {
    const error = toUpstreamError("gem", httpError(429, "error-resource-exhausted.json"), live, "request");
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ provider: "gem", status: 429, failure: "http", retryable: true, retryAfterMs: 7000 });
    expect(error.message).toContain("You exceeded your current quota");
    expect(error.body).toMatchObject({ type: "rate_limit_exceeded", code: "RESOURCE_EXHAUSTED" });
    expect(error.isUpstreamFault).toBe(false);
  });

  it("keeps a 400 INVALID_ARGUMENT not retryable, with the upstream message", () => {
    const error = toUpstreamError("gem", httpError(400, "error-invalid-argument.json"), live, "request");
    expect(error).toMatchObject({ status: 400, failure: "http", retryable: false, retryAfterMs: undefined });
    expect(error.message).toMatch(/^Function call is missing a thought_signature/);
    expect(error.body).toEqual({ message: error.message, type: "invalid_request_error", code: "INVALID_ARGUMENT", param: null });
  });

  it("keeps a 503 UNAVAILABLE retryable and counted against the provider", () => {
    const error = toUpstreamError("gem", httpError(503, "error-unavailable.json"), live, "request");
    expect(error).toMatchObject({ status: 503, retryable: true, message: "The model is overloaded. Please try again later." });
    expect(error.isUpstreamFault).toBe(true);
  });

  it("treats RESOURCE_EXHAUSTED as retryable even behind an unusual HTTP status", () => {
    const error = toUpstreamError("gem", new ApiError({ status: 400, message: '{"error":{"code":400,"message":"quota","status":"RESOURCE_EXHAUSTED"}}' }), live, "request");
    expect(error.retryable).toBe(true);
  });

  it("keeps a non-JSON error body as the message", () => {
    const error = toUpstreamError("gem", new ApiError({ status: 502, message: "<html>Bad Gateway</html>" }), live, "request");
    expect(error).toMatchObject({ status: 502, failure: "http", retryable: true, message: "<html>Bad Gateway</html>" });
  });

  it("turns an error event inside a stream into a stream failure", () => {
    const inStream = new ApiError({ status: 500, message: 'got status: INTERNAL. {"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}' });
    const error = toUpstreamError("gem", inStream, live, "stream");
    expect(error).toMatchObject({ status: 502, failure: "stream", retryable: true });
    expect(error.message).toContain("Internal error encountered.");
  });

  it("reports fetch failures as connection failures before the stream and stream failures after", () => {
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
    expect(toUpstreamError("gem", refused, live, "request")).toMatchObject({ status: 502, failure: "connection", retryable: true });
    // The code, never the address: clients read this message.
    expect(toUpstreamError("gem", refused, live, "request").message).toBe("gem: connection failed (ECONNREFUSED)");
    expect(toUpstreamError("gem", new TypeError("terminated"), live, "stream")).toMatchObject({ status: 502, failure: "stream" });
  });

  it("reports an aborted call as aborted, or as a timeout when a timeout aborted it", () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(toUpstreamError("gem", new DOMException("aborted", "AbortError"), aborted.signal, "request")).toMatchObject({
      failure: "aborted",
      retryable: false,
    });
    const timedOut = new AbortController();
    timedOut.abort(new DOMException("timed out", "TimeoutError"));
    expect(toUpstreamError("gem", new Error("x"), timedOut.signal, "stream")).toMatchObject({ failure: "timeout", status: 504, retryable: true });
  });

  it("passes an UpstreamError through", () => {
    const original = new UpstreamError({ provider: "gem", status: 502, failure: "stream", message: "ended early" });
    expect(toUpstreamError("gem", original, live, "stream")).toBe(original);
  });
});

describe("parseGoogleError / retryDelayMs", () => {
  it("finds the error object after a prefix", () => {
    expect(parseGoogleError('got status: UNAVAILABLE. {"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}')).toEqual({
      code: 503,
      message: "busy",
      status: "UNAVAILABLE",
    });
    expect(parseGoogleError("no json here")).toBeUndefined();
    expect(parseGoogleError('{"not_error":1}')).toBeUndefined();
  });

  it.each([
    ["7s", 7000],
    ["0.5s", 500],
    ["1.250s", 1250],
    ["soon", undefined],
  ])("reads retryDelay %s", (delay, ms) => {
    expect(retryDelayMs([{ "@type": "type.googleapis.com/google.rpc.Help" }, { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay }])).toBe(ms);
  });

  it("ignores details without RetryInfo", () => {
    expect(retryDelayMs(undefined)).toBeUndefined();
    expect(retryDelayMs([null, "x", { retryDelay: "3s" }])).toBeUndefined();
  });
});
