import { describe, expect, it } from "vitest";
import { formatResetDuration, rateLimitHeaders } from "../../src/limits/headers.ts";

describe("formatResetDuration", () => {
  it("writes durations the way OpenAI's headers do", () => {
    expect(formatResetDuration(0)).toBe("0s");
    expect(formatResetDuration(17)).toBe("17ms");
    expect(formatResetDuration(999.2)).toBe("1s");
    expect(formatResetDuration(1_000)).toBe("1s");
    expect(formatResetDuration(8_640)).toBe("8.64s");
    expect(formatResetDuration(20_005)).toBe("20.005s");
    expect(formatResetDuration(360_000)).toBe("6m0s");
    expect(formatResetDuration(86_400)).toBe("1m26.4s");
    expect(formatResetDuration(3_723_000)).toBe("1h2m3s");
    expect(formatResetDuration(3_600_000)).toBe("1h0m0s");
  });
});

describe("rateLimitHeaders", () => {
  it("reports the key or model limit with fewer units left, for requests and tokens separately", () => {
    const headers = rateLimitHeaders([
      { kind: "requests", limit: 100, remaining: 40, resetMs: 36_000, retryAfterMs: 0 },
      { kind: "model_requests", limit: 1_000, remaining: 990, resetMs: 600, retryAfterMs: 0 },
      { kind: "tokens", limit: 10_000, remaining: 9_000, resetMs: 6_000, retryAfterMs: 0 },
      { kind: "model_tokens", limit: 50_000, remaining: 1_000, resetMs: 58_800, retryAfterMs: 0 },
    ]);
    expect(headers).toEqual({
      "x-ratelimit-limit-requests": "100",
      "x-ratelimit-remaining-requests": "40",
      "x-ratelimit-reset-requests": "36s",
      "x-ratelimit-limit-tokens": "50000",
      "x-ratelimit-remaining-tokens": "1000",
      "x-ratelimit-reset-tokens": "58.8s",
    });
  });

  it("leaves out a trio no limit covers", () => {
    expect(rateLimitHeaders([{ kind: "requests", limit: 5, remaining: 4, resetMs: 12_000, retryAfterMs: 0 }])).toEqual({
      "x-ratelimit-limit-requests": "5",
      "x-ratelimit-remaining-requests": "4",
      "x-ratelimit-reset-requests": "12s",
    });
  });
});
