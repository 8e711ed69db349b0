// The in-process response store backend: bounded in bytes (least recently used goes first),
// and an entry past its TTL is gone.
import { describe, expect, it } from "vitest";
import { createMemoryKv } from "../../../src/dialects/openai-responses/store/memory-kv.ts";

describe("memory key-value store", () => {
  it("stays within its byte bound, evicting the least recently used entry first", async () => {
    const kv = createMemoryKv({ maxBytes: 100 });
    const value = "x".repeat(18); // 2 × (2 + 18) = 40 bytes with a two-character key
    await kv.set([["k1", value]], 60);
    await kv.set([["k2", value]], 60);
    await kv.get("k1"); // k2 is now the least recently used
    await kv.set([["k3", value]], 60);
    expect(kv.bytes).toBeLessThanOrEqual(100);
    expect(await kv.get("k2")).toBeUndefined();
    expect(await kv.get("k1")).toBe(value);
    expect(await kv.get("k3")).toBe(value);
  });

  it("does not keep a value larger than the whole store", async () => {
    const kv = createMemoryKv({ maxBytes: 50 });
    await kv.set([["small", "a"]], 60);
    await kv.set([["big", "y".repeat(100)]], 60);
    expect(await kv.get("big")).toBeUndefined();
    expect(await kv.get("small")).toBe("a");
  });

  it("forgets an entry once its TTL has passed", async () => {
    let now = 1_000_000;
    const kv = createMemoryKv({ maxBytes: 1_000, clock: () => now });
    await kv.set([["k", "v"]], 10);
    now += 9_999;
    expect(await kv.get("k")).toBe("v");
    now += 2;
    expect(await kv.get("k")).toBeUndefined();
    expect(kv.bytes).toBe(0);
  });
});
