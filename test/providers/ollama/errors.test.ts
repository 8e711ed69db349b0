import { Ollama } from "ollama";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { toUpstreamError, type ErrorContext } from "../../../src/providers/ollama/errors.ts";

const live = new AbortController().signal;
const ctx = (over: Partial<ErrorContext> = {}): ErrorContext => ({ provider: "local", signal: live, phase: "request", ...over });

/** The error the real SDK throws for an HTTP answer (its transport handed a canned Response). */
async function sdkHttpError(status: number, body: unknown): Promise<unknown> {
  const client = new Ollama({
    host: "http://127.0.0.1:11434",
    fetch: async () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }),
  });
  return client.chat({ model: "llama3.1:8b", messages: [], stream: false }).then(
    () => expect.fail("expected the SDK to throw"),
    (error: unknown) => error,
  );
}

describe("toUpstreamError", () => {
  it("keeps the status and Ollama's message for a 404 model-not-found, which is not retryable", async () => {
    const error = toUpstreamError(await sdkHttpError(404, { error: 'model "llama9" not found, try pulling it first' }), ctx());
    expect(error).toMatchObject({
      provider: "local",
      status: 404,
      failure: "http",
      retryable: false,
      message: 'model "llama9" not found, try pulling it first',
      body: { message: 'model "llama9" not found, try pulling it first' },
    });
  });

  it("reads Retry-After from the answer's headers for a 429", async () => {
    const headers = new Headers({ "retry-after": "3" });
    const error = toUpstreamError(await sdkHttpError(429, { error: "too many requests" }), ctx({ headers }));
    expect(error).toMatchObject({ status: 429, failure: "http", retryable: true, retryAfterMs: 3000 });
  });

  it("treats 5xx as retryable and 400 as not", async () => {
    expect(toUpstreamError(await sdkHttpError(500, { error: "llama runner process has terminated" }), ctx())).toMatchObject({
      status: 500,
      retryable: true,
      isUpstreamFault: true,
    });
    expect(toUpstreamError(await sdkHttpError(400, { error: "invalid options" }), ctx())).toMatchObject({
      status: 400,
      retryable: false,
      isUpstreamFault: false,
    });
  });

  it("maps a refused connection to failure connection, 502, naming the socket error", () => {
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:11434"), { code: "ECONNREFUSED" }) });
    const error = toUpstreamError(refused, ctx());
    expect(error).toMatchObject({ status: 502, failure: "connection", retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain("127.0.0.1");
  });

  it("maps an error while reading a started stream to failure stream, 502, with Ollama's message", () => {
    const error = toUpstreamError(new Error("an error was encountered while running the model"), ctx({ phase: "stream" }));
    expect(error).toMatchObject({ status: 502, failure: "stream", retryable: true });
    expect(error.message).toContain("an error was encountered while running the model");
  });

  it("maps any failure after the call's signal aborted to failure aborted, never retried", () => {
    const controller = new AbortController();
    controller.abort();
    const error = toUpstreamError(new DOMException("This operation was aborted", "AbortError"), ctx({ signal: controller.signal }));
    expect(error).toMatchObject({ failure: "aborted", retryable: false, isUpstreamFault: false });
  });

  it("maps a timeout abort to failure timeout, 504", () => {
    const controller = new AbortController();
    controller.abort(new DOMException("signal timed out", "TimeoutError"));
    expect(toUpstreamError(new Error("aborted"), ctx({ signal: controller.signal }))).toMatchObject({
      status: 504,
      failure: "timeout",
      retryable: true,
    });
  });

  it("passes an UpstreamError through unchanged", () => {
    const original = new UpstreamError({ provider: "local", status: 503, failure: "http", message: "busy" });
    expect(toUpstreamError(original, ctx())).toBe(original);
  });
});
