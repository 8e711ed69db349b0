// toUpstreamError over the openai SDK's real error classes, built from recorded-shape Azure bodies.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import { toUpstreamError } from "../../../src/providers/azure/errors.ts";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { errorBody } from "./fixtures.ts";

const live = new AbortController().signal;
const httpError = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  APIError.generate(status, body as object, undefined, new Headers({ "apim-request-id": "5f1c2b", ...headers }));

describe("toUpstreamError", () => {
  it("keeps a content-filter 400 with Azure's code and param, not retryable", () => {
    const error = toUpstreamError("azure-eu", httpError(400, errorBody("content-filter")), live, "request");
    expect(error).toMatchObject({ provider: "azure-eu", status: 400, failure: "http", retryable: false, isUpstreamFault: false });
    expect(error.body).toEqual({
      message: expect.stringContaining("content management policy") as string,
      type: undefined,
      param: "prompt",
      code: "content_filter",
    });
    expect(error.message).toContain("content management policy");
  });

  it("makes 429 retryable, preferring retry-after-ms over retry-after", () => {
    const both = toUpstreamError("azure-eu", httpError(429, errorBody("rate-limit"), { "retry-after": "6", "retry-after-ms": "5800" }), live, "request");
    expect(both).toMatchObject({ status: 429, retryable: true, retryAfterMs: 5800, body: { code: "429" } });
    const seconds = toUpstreamError("azure-eu", httpError(429, errorBody("rate-limit"), { "retry-after": "6" }), live, "request");
    expect(seconds.retryAfterMs).toBe(6000);
  });

  it("keeps a missing deployment a non-retryable 404", () => {
    const error = toUpstreamError("azure-eu", httpError(404, errorBody("deployment-not-found")), live, "request");
    expect(error).toMatchObject({ status: 404, retryable: false, body: { code: "DeploymentNotFound" } });
  });

  it("makes 5xx retryable upstream faults and keeps a body that is not the envelope as text", () => {
    const error = toUpstreamError("azure-eu", APIError.generate(503, undefined, "upstream connect error", new Headers()), live, "request");
    expect(error).toMatchObject({ status: 503, failure: "http", retryable: true, isUpstreamFault: true });
    expect(error.body?.message).toContain("upstream connect error");
  });

  it("maps a refused connection to 502 connection with the socket's code, the SDK's timeout to 504", () => {
    const refused = new APIConnectionError({
      message: "Connection error.",
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) }),
    });
    const error = toUpstreamError("azure-eu", refused, live, "request");
    expect(error).toMatchObject({ status: 502, failure: "connection", retryable: true, isUpstreamFault: true });
    expect(error.message).toContain("ECONNREFUSED");
    expect(toUpstreamError("azure-eu", new APIConnectionTimeoutError(), live, "request")).toMatchObject({ status: 504, failure: "timeout", retryable: true });
  });

  it("reports aborts as aborted and never retryable, whatever the SDK raised", () => {
    expect(toUpstreamError("azure-eu", new APIUserAbortError(), live, "request")).toMatchObject({ status: 499, failure: "aborted", retryable: false, isUpstreamFault: false });
    const controller = new AbortController();
    controller.abort();
    expect(toUpstreamError("azure-eu", new APIConnectionError({ message: "Connection error." }), controller.signal, "request").failure).toBe("aborted");
    expect(toUpstreamError("azure-eu", new TypeError("terminated"), controller.signal, "stream").failure).toBe("aborted");
  });

  it("maps an in-stream error frame (no status) to a 502 stream failure with its body", () => {
    const frame = new APIError(undefined, { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null }, undefined, new Headers());
    const error = toUpstreamError("azure-eu", frame, live, "stream");
    expect(error).toMatchObject({ status: 502, failure: "stream", retryable: true });
    expect(error.body).toMatchObject({ message: "The server had an error while processing your request.", type: "server_error" });
  });

  it("maps a broken body during a stream to a stream failure, and passes UpstreamErrors through", () => {
    const cut = toUpstreamError("azure-eu", new TypeError("terminated", { cause: new Error("other side closed") }), live, "stream");
    expect(cut).toMatchObject({ status: 502, failure: "stream" });
    expect(cut.message).toContain("other side closed");
    const own = new UpstreamError({ provider: "azure-eu", status: 502, failure: "stream", message: "ended early" });
    expect(toUpstreamError("azure-eu", own, live, "stream")).toBe(own);
  });
});
