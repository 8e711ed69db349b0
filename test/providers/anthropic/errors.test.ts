import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { GatewayInputError } from "../../../src/providers/input-error.ts";
import { toUpstreamError } from "../../../src/providers/anthropic/errors.ts";
import { errorFixture } from "./fixtures.ts";

const live = new AbortController().signal;
const httpError = (status: number, fixture: string, headers: Record<string, string> = {}) =>
  APIError.generate(status, errorFixture(fixture), undefined, new Headers({ "request-id": "req_1", ...headers }));

function mapped(error: unknown, signal = live, phase: "request" | "stream" = "request"): UpstreamError {
  const result = toUpstreamError("anthropic", error, signal, phase);
  if (!(result instanceof UpstreamError)) throw new Error("expected an UpstreamError");
  return result;
}

describe("toUpstreamError", () => {
  it("keeps a 400's status and upstream message, not retryable", () => {
    const error = mapped(httpError(400, "invalid-400"));
    expect(error).toMatchObject({ provider: "anthropic", status: 400, failure: "http", retryable: false, isUpstreamFault: false });
    expect(error.body).toEqual({
      message: 'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
      type: "invalid_request_error",
      code: null,
    });
    expect(error.message).toContain("roles must alternate");
  });

  it("maps 401 to a non-retryable authentication failure", () => {
    expect(mapped(httpError(401, "auth-401"))).toMatchObject({ status: 401, retryable: false, body: { type: "authentication_error" } });
  });

  it("makes 429 retryable and honours retry-after", () => {
    const error = mapped(httpError(429, "rate-limit-429", { "retry-after": "7" }));
    expect(error).toMatchObject({ status: 429, failure: "http", retryable: true, retryAfterMs: 7000 });
    expect(error.body?.type).toBe("rate_limit_error");
  });

  it("makes 529 overloaded and 500 retryable upstream faults", () => {
    expect(mapped(httpError(529, "overloaded-529"))).toMatchObject({ status: 529, retryable: true, isUpstreamFault: true, body: { type: "overloaded_error" } });
    expect(mapped(httpError(500, "api-500"))).toMatchObject({ status: 500, retryable: true, retryAfterMs: undefined });
  });

  it("maps connection failures to 502 connection, timeouts to 504 timeout", () => {
    const refused = new APIConnectionError({ message: "Connection error.", cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
    expect(mapped(refused)).toMatchObject({ status: 502, failure: "connection", retryable: true });
    expect(mapped(refused).message).not.toContain("127.0.0.1");
    expect(mapped(new APIConnectionTimeoutError())).toMatchObject({ status: 504, failure: "timeout", retryable: true });
  });

  it("reports aborts as aborted, never retryable, whatever error the SDK raised", () => {
    expect(mapped(new APIUserAbortError())).toMatchObject({ failure: "aborted", retryable: false, isUpstreamFault: false });
    const controller = new AbortController();
    controller.abort();
    expect(mapped(new APIConnectionError({ message: "Connection error." }), controller.signal).failure).toBe("aborted");
  });

  it("maps the SDK's in-stream error event to a 502 stream failure with the upstream body", () => {
    const body = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    const error = mapped(new APIError(undefined, body, undefined, new Headers(), "overloaded_error"), live, "stream");
    expect(error).toMatchObject({ status: 502, failure: "stream", body: { message: "Overloaded", type: "overloaded_error" } });
  });

  it("maps a broken body mid-stream to a stream failure, before it to a connection failure", () => {
    expect(mapped(new TypeError("terminated"), live, "stream")).toMatchObject({ status: 502, failure: "stream" });
    expect(mapped(new TypeError("fetch failed"), live, "request")).toMatchObject({ status: 502, failure: "connection" });
  });

  it("passes our own errors through untouched", () => {
    const input = new GatewayInputError("bad", "n");
    expect(toUpstreamError("anthropic", input, live, "request")).toBe(input);
    const upstream = new UpstreamError({ provider: "anthropic", status: 502, failure: "stream", message: "x" });
    expect(toUpstreamError("anthropic", upstream, live, "stream")).toBe(upstream);
  });
});
