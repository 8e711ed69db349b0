import { describe, expect, it } from "vitest";
import { buildLimitSets } from "../../src/limits/limit-sets.ts";
import { createLimiter, type Admission, type Admitted, type LimiterOptions, type RefusedEvent } from "../../src/limits/limiter.ts";
import { createMemoryStore } from "../../src/limits/memory-store.ts";
import type { LimitStore } from "../../src/limits/types.ts";
import { fakeClock } from "./fake-clock.ts";

const keys = [
  { name: "team-a", rpm: 3, tpm: 10_000, max_concurrent: 2 },
  { name: "team-b", rpm: 100 },
  { name: "unlimited" },
];
const models = { "gpt-4o-mini": { rpm: 50, tpm: 4_000 }, smart: {} };

function setup(overrides: Partial<LimiterOptions> = {}) {
  const clock = fakeClock();
  const store = createMemoryStore({ clock });
  const refused: RefusedEvent[] = [];
  const limiter = createLimiter(buildLimitSets({ keys, models }), {
    store,
    onStoreError: "open",
    defaultMaxTokens: 1_000,
    hooks: { onRefused: (event) => refused.push(event) },
    ...overrides,
  });
  return { clock, store, limiter, refused };
}

function admitted(admission: Admission): Admitted {
  if (!admission.ok) throw new Error(`expected admission, got ${admission.limit}: ${admission.message}`);
  return admission;
}

const request = (over: Partial<Parameters<ReturnType<typeof setup>["limiter"]["admit"]>[0]> = {}) => ({
  keyName: "team-a",
  publicModel: "smart",
  estimatedPromptTokens: 100,
  maxTokens: 400,
  ...over,
});

describe("limiter", () => {
  it("admits without a store call or headers when no limit applies", async () => {
    const { limiter } = setup();
    const result = admitted(await limiter.admit(request({ keyName: "unlimited" })));
    expect(result.headers).toEqual({});
    expect(limiter.needsTokenEstimate("unlimited", "smart")).toBe(false);
    expect(limiter.needsTokenEstimate(undefined, "gpt-4o-mini")).toBe(true);
    expect(limiter.needsTokenEstimate("team-b", "smart")).toBe(false);
    expect(limiter.needsTokenEstimate("team-a", "smart")).toBe(true);
  });

  it("returns OpenAI's x-ratelimit headers after reserving prompt + max tokens", async () => {
    const { limiter } = setup();
    const result = admitted(await limiter.admit(request()));
    expect(result.headers).toEqual({
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "2",
      "x-ratelimit-reset-requests": "20s",
      "x-ratelimit-limit-tokens": "10000",
      "x-ratelimit-remaining-tokens": "9500",
      "x-ratelimit-reset-tokens": "3s",
    });
    await result.settle({ prompt_tokens: 100, completion_tokens: 400 });
  });

  it("refuses past the key's rpm with 429, a whole-second Retry-After and a message naming the limit", async () => {
    const { limiter, refused } = setup();
    for (let i = 0; i < 3; i += 1) await admitted(await limiter.admit(request())).settle();
    const result = await limiter.admit(request());
    expect(result).toMatchObject({ ok: false, status: 429, limit: "requests", retryAfterSeconds: 20, retryable: true });
    if (result.ok) return;
    expect(result.message).toContain('key "team-a"');
    expect(result.message).toContain("requests per minute: limit 3");
    expect(result.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(refused).toEqual([{ keyName: "team-a", publicModel: "smart", limit: "requests", status: 429 }]);
  });

  it("rounds a sub-second wait up to one second", async () => {
    const { limiter, clock } = setup();
    for (let i = 0; i < 3; i += 1) await admitted(await limiter.admit(request())).settle();
    clock.advance(19_500);
    const result = await limiter.admit(request());
    expect(result).toMatchObject({ ok: false, retryAfterSeconds: 1 });
  });

  it("charges the real usage on settle, once", async () => {
    const { limiter } = setup();
    const first = admitted(await limiter.admit(request({ keyName: "team-b", publicModel: "gpt-4o-mini" })));
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("3500");
    await first.settle({ prompt_tokens: 90, completion_tokens: 10 });
    await first.settle({ prompt_tokens: 5_000, completion_tokens: 5_000 }); // ignored
    const next = admitted(await limiter.admit(request({ keyName: "team-b", publicModel: "gpt-4o-mini" })));
    expect(next.headers["x-ratelimit-remaining-tokens"]).toBe(String(4_000 - 100 - 500));
    await next.settle();
  });

  it("charges the prompt estimate when a request ends without usage", async () => {
    const { limiter } = setup();
    const first = admitted(await limiter.admit(request({ keyName: undefined, publicModel: "gpt-4o-mini" })));
    await first.settle(undefined);
    const next = admitted(await limiter.admit(request({ keyName: undefined, publicModel: "gpt-4o-mini", maxTokens: 0 })));
    expect(next.headers["x-ratelimit-remaining-tokens"]).toBe(String(4_000 - 100 - 100));
  });

  it("reserves the configured default when the client sets no max tokens", async () => {
    const { limiter } = setup();
    const result = admitted(await limiter.admit(request({ maxTokens: undefined })));
    expect(result.headers["x-ratelimit-remaining-tokens"]).toBe(String(10_000 - 100 - 1_000));
  });

  it("reports the tighter of a key limit and a model limit in the headers", async () => {
    const { limiter } = setup();
    const result = admitted(await limiter.admit(request({ publicModel: "gpt-4o-mini" })));
    // key: 2 of 3 requests left, model: 49 of 50; tokens: key 9,500 of 10,000, model 3,500 of 4,000
    expect(result.headers["x-ratelimit-limit-requests"]).toBe("3");
    expect(result.headers["x-ratelimit-limit-tokens"]).toBe("4000");
    expect(result.headers["x-ratelimit-remaining-tokens"]).toBe("3500");
  });

  it("refuses by the model's limit across keys, naming the model", async () => {
    const { limiter } = setup();
    const big = { publicModel: "gpt-4o-mini", estimatedPromptTokens: 1_000, maxTokens: 1_000 };
    await admitted(await limiter.admit(request({ ...big, keyName: "team-b" }))).settle({ prompt_tokens: 1_000, completion_tokens: 1_000 });
    await admitted(await limiter.admit(request({ ...big, keyName: undefined }))).settle({ prompt_tokens: 1_000, completion_tokens: 1_000 });
    const result = await limiter.admit(request({ ...big, keyName: "team-a" }));
    expect(result).toMatchObject({ ok: false, status: 429, limit: "model_tokens", retryAfterSeconds: 30 });
    if (!result.ok) expect(result.message).toContain('model "gpt-4o-mini" (shared by all keys)');
  });

  it("reserves only what the limit can hold when max tokens exceed it", async () => {
    const { limiter } = setup();
    const result = admitted(await limiter.admit(request({ publicModel: "gpt-4o-mini", maxTokens: 100_000 })));
    expect(result.headers["x-ratelimit-remaining-tokens"]).toBe("0");
    await result.settle({ prompt_tokens: 100, completion_tokens: 50 });
    const next = admitted(await limiter.admit(request({ publicModel: "gpt-4o-mini", maxTokens: 0 })));
    expect(next.headers["x-ratelimit-remaining-tokens"]).toBe(String(4_000 - 150 - 100));
  });

  it("refuses a prompt larger than a token limit for good, consuming nothing", async () => {
    const { limiter } = setup();
    const result = await limiter.admit(request({ publicModel: "gpt-4o-mini", estimatedPromptTokens: 4_001 }));
    expect(result).toMatchObject({ ok: false, status: 429, limit: "model_tokens", retryable: false });
    if (result.ok) return;
    expect(result.message).toContain("Request too large");
    expect(result.headers["x-ratelimit-remaining-requests"]).toBe("3");
    expect(limiter.slotsHeld).toBe(0);
  });

  it("holds a concurrency slot until settle, on every outcome", async () => {
    const { limiter } = setup();
    const a = admitted(await limiter.admit(request()));
    const b = admitted(await limiter.admit(request()));
    expect(limiter.slotsHeld).toBe(2);
    const refused = await limiter.admit(request());
    expect(refused).toMatchObject({ ok: false, limit: "concurrency", retryAfterSeconds: 1 });
    await a.settle();
    expect(limiter.slotsHeld).toBe(1);
    const c = admitted(await limiter.admit(request()));
    await Promise.all([b.settle(), c.settle(), c.settle()]);
    expect(limiter.slotsHeld).toBe(0);
  });

  it("applies reconfigured limits to new admissions and keeps what was already used", async () => {
    const { limiter } = setup();
    await admitted(await limiter.admit(request())).settle();
    const held = admitted(await limiter.admit(request()));
    limiter.reconfigure(buildLimitSets({ keys: [{ name: "team-a", rpm: 10, max_concurrent: 1 }], models }), {
      onStoreError: "closed",
      defaultMaxTokens: 50,
    });
    expect(limiter.needsTokenEstimate("team-a", "smart")).toBe(false);
    // the slot taken before the reload still counts against the new max of 1
    expect(await limiter.admit(request())).toMatchObject({ ok: false, limit: "concurrency" });
    await held.settle();
    const after = admitted(await limiter.admit(request()));
    expect(after.headers).toEqual({
      "x-ratelimit-limit-requests": "10",
      "x-ratelimit-remaining-requests": "7",
      "x-ratelimit-reset-requests": "18s",
    });
  });

  describe("with a cheap bound of the prompt instead of its estimate", () => {
    // The bound is what admit reserves when far from every token limit; countPromptTokens is the estimate.
    const bounded = (over: Partial<Parameters<ReturnType<typeof setup>["limiter"]["admit"]>[0]>, exact: number, counted: number[]) =>
      request({ ...over, countPromptTokens: () => Promise.resolve((counted.push(exact), exact)) });

    it("reserves the bound far below every token limit, without computing the estimate", async () => {
      const { limiter } = setup();
      const counted: number[] = [];
      // never checked: the limit (10,000) is the guess, and 4 × 400 is far below it
      const first = admitted(await limiter.admit(bounded({ estimatedPromptTokens: 300, maxTokens: 100 }, 100, counted)));
      expect(counted).toHaveLength(0);
      expect(first.headers["x-ratelimit-remaining-tokens"]).toBe(String(10_000 - 400));
      // corrected by real usage like any reservation
      await first.settle({ prompt_tokens: 100, completion_tokens: 50 });
      const next = admitted(await limiter.admit(request({ estimatedPromptTokens: 0, maxTokens: 0 })));
      expect(next.headers["x-ratelimit-remaining-tokens"]).toBe(String(10_000 - 150));
    });

    it("counts exactly when the limit is not far above the reservation, even before any check", async () => {
      const { limiter } = setup();
      const counted: number[] = [];
      // the model's 4,000 is less than 4 × (900 + 200)
      const result = admitted(await limiter.admit(bounded({ keyName: undefined, publicModel: "gpt-4o-mini", estimatedPromptTokens: 900, maxTokens: 200 }, 300, counted)));
      expect(counted).toHaveLength(1);
      expect(result.headers["x-ratelimit-remaining-tokens"]).toBe(String(4_000 - 500));
    });

    it("counts exactly when the reservation is not far below what was left", async () => {
      const { limiter } = setup();
      const counted: number[] = [];
      await admitted(await limiter.admit(request({ maxTokens: 0 }))).settle({ prompt_tokens: 100, completion_tokens: 0 });
      // 9,900 left; a bound of 2,000 + 500 is more than a quarter of it
      const result = admitted(await limiter.admit(bounded({ estimatedPromptTokens: 2_000, maxTokens: 500 }, 1_200, counted)));
      expect(counted).toHaveLength(1);
      expect(result.headers["x-ratelimit-remaining-tokens"]).toBe(String(10_000 - 100 - 1_700));
    });

    it("decides a refusal again with the exact estimate, so the bound never refuses what fits", async () => {
      const { limiter, store, refused } = setup();
      const counted: number[] = [];
      await admitted(await limiter.admit(request({ keyName: "team-b", publicModel: "gpt-4o-mini", maxTokens: 0 }))).settle({
        prompt_tokens: 100,
        completion_tokens: 0,
      });
      // another replica draws the shared model bucket down to 300 behind this process' back
      await store.check({ buckets: [{ kind: "model_tokens", key: "m:gpt-4o-mini:tpm", limit: 4_000, windowMs: 60_000, cost: 3_600 }] });
      const result = admitted(
        await limiter.admit(bounded({ keyName: "team-b", publicModel: "gpt-4o-mini", estimatedPromptTokens: 500, maxTokens: 100 }, 150, counted)),
      );
      expect(counted).toHaveLength(1);
      expect(result.headers["x-ratelimit-remaining-tokens"]).toBe(String(300 - 250));
      expect(refused).toEqual([]);
    });

    it("charges the exact estimate, not the bound, when a request ends without usage", async () => {
      const { limiter } = setup();
      const counted: number[] = [];
      await admitted(await limiter.admit(request({ maxTokens: 0 }))).settle({ prompt_tokens: 100, completion_tokens: 0 });
      const result = admitted(await limiter.admit(bounded({ estimatedPromptTokens: 600, maxTokens: 100 }, 80, counted)));
      expect(counted).toHaveLength(0);
      await result.settle(undefined);
      expect(counted).toHaveLength(1);
      const next = admitted(await limiter.admit(request({ estimatedPromptTokens: 0, maxTokens: 0 })));
      expect(next.headers["x-ratelimit-remaining-tokens"]).toBe(String(10_000 - 100 - 80));
    });

    it("always counts exactly for a key with a budget", async () => {
      const clock = fakeClock();
      const limiter = createLimiter(buildLimitSets({ keys: [{ name: "paid", tpm: 1_000_000, budget: { usd: 10, period: "day" } }], models }), {
        store: createMemoryStore({ clock }),
        onStoreError: "open",
        defaultMaxTokens: 100,
        clock,
      });
      const counted: number[] = [];
      const price = { input_per_mtok: 1, output_per_mtok: 1 };
      for (let i = 0; i < 3; i += 1) {
        const result = admitted(await limiter.admit(bounded({ keyName: "paid", estimatedPromptTokens: 50, maxTokens: 10, price }, 20, counted)));
        await result.settle({ prompt_tokens: 20, completion_tokens: 10 });
      }
      expect(counted).toHaveLength(3);
    });
  });

  describe("when the store fails", () => {
    const broken: LimitStore = {
      check: () => Promise.reject(new Error("connection refused")),
      adjust: () => Promise.reject(new Error("connection refused")),
      release: () => Promise.reject(new Error("connection refused")),
      renew: () => Promise.reject(new Error("connection refused")),
      settle: () => Promise.reject(new Error("connection refused")),
      peek: () => Promise.reject(new Error("connection refused")),
      ready: () => Promise.resolve(false),
      close: () => Promise.resolve(),
    };

    it("serves without limits when open, counting every failure and logging once per interval", async () => {
      const warnings: string[] = [];
      const events: string[] = [];
      const { limiter } = setup({
        store: broken,
        onStoreError: "open",
        logger: { warn: (_fields, message) => warnings.push(message) },
        hooks: { onStoreError: (event) => events.push(`${event.operation}:${event.policy}`) },
      });
      for (let i = 0; i < 5; i += 1) {
        const result = admitted(await limiter.admit(request()));
        expect(result.headers).toEqual({});
        await result.settle();
      }
      expect(limiter.storeErrors).toBe(5);
      expect(events).toEqual(Array(5).fill("check:open"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("serving without limits");
    });

    it("refuses with 503 when closed", async () => {
      const { limiter, refused } = setup({ store: broken, onStoreError: "closed" });
      const result = await limiter.admit(request());
      expect(result).toMatchObject({ ok: false, status: 503, limit: "store", retryAfterSeconds: 1 });
      expect(refused[0]?.status).toBe(503);
      expect(limiter.storeErrors).toBe(1);
    });

    it("takes a store that throws instead of rejecting as one that failed", async () => {
      const store = createMemoryStore();
      const fail = (): never => {
        throw new Error("store gone");
      };
      const throwing: LimitStore = { ...store, check: fail, adjust: fail, release: fail };
      const events: string[] = [];
      const open = setup({ store: throwing, onStoreError: "open", hooks: { onStoreError: (event) => events.push(event.operation) } });
      const served = admitted(await open.limiter.admit(request()));
      expect(served.headers).toEqual({});
      await expect(served.settle({ prompt_tokens: 1, completion_tokens: 1 })).resolves.toBeUndefined();
      expect(events).toEqual(["check"]);
      const closed = setup({ store: throwing, onStoreError: "closed" });
      expect(await closed.limiter.admit(request())).toMatchObject({ ok: false, status: 503, limit: "store" });
    });

    it("reads every budget's spend for the metrics even when the store throws instead of rejecting", async () => {
      const store = createMemoryStore();
      let throwing = false;
      const flaky: LimitStore = {
        ...store,
        check: (request) => {
          if (throwing) throw new Error("store gone");
          return store.check(request);
        },
      };
      const events: string[] = [];
      const limiter = createLimiter(buildLimitSets({ keys: [{ name: "spender", budget: { usd: 2, period: "day" } }], models: {} }), {
        store: flaky,
        onStoreError: "open",
        defaultMaxTokens: 1_000,
        hooks: { onStoreError: (event) => events.push(event.operation) },
      });
      expect(await limiter.budgetSpend()).toEqual([{ key: "spender", spentUsd: 0, limitUsd: 2 }]);
      throwing = true;
      await expect(limiter.budgetSpend()).resolves.toEqual([]);
      expect(events).toEqual(["check"]);
    });

    it("reports a settle that throws instead of throwing", async () => {
      const store = createMemoryStore();
      const fail = (): never => {
        throw new Error("store gone");
      };
      const events: string[] = [];
      const { limiter } = setup({ store: { ...store, adjust: fail, release: fail }, hooks: { onStoreError: (event) => events.push(event.operation) } });
      const result = admitted(await limiter.admit(request()));
      await expect(result.settle({ prompt_tokens: 1, completion_tokens: 1 })).resolves.toBeUndefined();
      expect(events.sort()).toEqual(["adjust", "release"]);
      expect(limiter.slotsHeld).toBe(0);
    });

    it("reports a failed settle instead of throwing", async () => {
      const store = createMemoryStore();
      const flaky: LimitStore = {
        ...store,
        adjust: (adjustments) => broken.adjust(adjustments),
        release: (slot) => broken.release(slot),
      };
      const events: string[] = [];
      const { limiter } = setup({ store: flaky, hooks: { onStoreError: (event) => events.push(event.operation) } });
      const result = admitted(await limiter.admit(request()));
      await expect(result.settle({ prompt_tokens: 1, completion_tokens: 1 })).resolves.toBeUndefined();
      expect(events.sort()).toEqual(["adjust", "release"]);
      expect(limiter.slotsHeld).toBe(0);
    });
  });

  describe("a budget's standing when the store stops answering", () => {
    const price = { input_per_mtok: 2, output_per_mtok: 10 };
    /** A memory store that can be switched off, as Redis going away would. */
    function switchable(clock: () => number) {
      const inner = createMemoryStore({ clock });
      const down = { value: false };
      const gate = <T,>(run: () => T | Promise<T>): Promise<T> => (down.value ? Promise.reject(new Error("connection refused")) : Promise.resolve(run()));
      const store: LimitStore = {
        ...inner,
        check: (r) => gate(() => inner.check(r)),
        settle: (s) => gate(() => inner.settle(s)),
        adjust: (a) => gate(() => inner.adjust(a)),
        release: (s) => gate(() => inner.release(s)),
        renew: (s, h) => gate(() => inner.renew(s, h)),
        peek: (r) => gate(() => inner.peek(r)),
      };
      return { store, down };
    }
    const budgeted = (onStoreError: "open" | "closed") => {
      const clock = fakeClock(Date.UTC(2025, 5, 1, 12));
      const { store, down } = switchable(clock);
      const limiter = createLimiter(buildLimitSets({ keys: [{ name: "spender", budget: { usd: 1, period: "day" } }, { name: "new", budget: { usd: 1, period: "day" } }], models: {} }), {
        store,
        onStoreError,
        defaultMaxTokens: 100,
        clock,
        settleRetryMs: 60_000,
      });
      return { limiter, down, clock };
    };
    const spend = (over: { keyName?: string } = {}) => ({ keyName: "spender", publicModel: "m", estimatedPromptTokens: 10, maxTokens: 100, price, ...over });

    it("tells the last standing read, less what this process charged since, and when it was read", async () => {
      const { limiter, down, clock } = budgeted("open");
      const readAt = clock();
      const first = admitted(await limiter.admit(spend()));
      expect(first.budget).toEqual({ remainingMicros: 1_000_000 });
      await first.settle({ prompt_tokens: 10, completion_tokens: 50 }); // 520, taken by the store
      expect(await limiter.budgetStanding("spender")).toEqual({ remainingMicros: 1_000_000 - 520 });

      clock.advance(5_000);
      down.value = true;
      const during = admitted(await limiter.admit(spend()));
      expect(during.budget).toEqual({ remainingMicros: 1_000_000 - 520, asOf: readAt });
      await during.settle({ prompt_tokens: 7, completion_tokens: 3 }); // 44, kept in the outbox
      expect(limiter.pendingSettlements).toBe(1);
      expect(limiter.pendingMicros).toBe(44);
      expect(await limiter.budgetStanding("spender")).toEqual({ remainingMicros: 1_000_000 - 520 - 44, asOf: readAt });
      const again = admitted(await limiter.admit(spend()));
      expect(again.budget).toEqual({ remainingMicros: 1_000_000 - 564, asOf: readAt });
      await again.settle(undefined); // nothing served, nothing charged
      // a key this process never read has no standing to tell
      expect(admitted(await limiter.admit(spend({ keyName: "new" }))).budget).toBeUndefined();
      expect(await limiter.budgetStanding("new")).toBeUndefined();
      expect(limiter.budgetStanding("nobody")).toBeUndefined();

      down.value = false;
      await limiter.close(); // sends what is pending
      expect(limiter.pendingSettlements).toBe(0);
    });

    it("puts the last standing on the 503 of a closed store too", async () => {
      const { limiter, down } = budgeted("closed");
      await admitted(await limiter.admit(spend())).settle({ prompt_tokens: 1, completion_tokens: 1 });
      await limiter.budgetStanding("spender");
      down.value = true;
      const refused = await limiter.admit(spend());
      expect(refused).toMatchObject({ ok: false, status: 503, budget: { remainingMicros: 1_000_000 - 12 } });
      expect(refused.budget?.asOf).toBeTypeOf("number");
      down.value = false;
      await limiter.close();
    });
  });
});
