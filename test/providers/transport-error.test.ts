import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/errors.ts";
import { transportError } from "../../src/providers/transport-error.ts";

const live = new AbortController().signal;
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });

describe("transportError", () => {
  it("names the provider and the socket error's code, found directly or wrapped in cause, and never the address", () => {
    const direct = transportError("up", refused(), live);
    expect(direct).toMatchObject({ provider: "up", status: 502, failure: "connection", retryable: true });
    expect(direct.message).toBe("up: connection failed (ECONNREFUSED)");
    const wrapped = transportError("up", new Error("Connection error.", { cause: new TypeError("fetch failed", { cause: refused() }) }), live);
    expect(wrapped.message).toBe("up: connection failed (ECONNREFUSED)");
    expect(transportError("up", "weird", live).message).toBe("up: connection failed");
  });

  it("is an abort once the signal fired, and passes UpstreamErrors through", () => {
    const controller = new AbortController();
    controller.abort();
    expect(transportError("up", refused(), controller.signal)).toMatchObject({ status: 499, failure: "aborted", retryable: false });
    const own = new UpstreamError({ provider: "up", status: 504, failure: "timeout", message: "late" });
    expect(transportError("up", own, live)).toBe(own);
  });
});
