// The in-process tier's bound and order: least recently used out first, reads count as use,
// nothing above the bound kept, expiry on read, renderings counted with their entry.
import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/cache/entry.ts";
import { createMemoryTier } from "../../src/cache/memory-tier.ts";
import { createEntryStore } from "../../src/cache/tiers.ts";

/** What set() adds to an entry's bytes for a one-character key. */
const OVERHEAD = 256 + 2;

const entry = (value: string, expiresAt = 1_000): Entry => ({ value, storedAt: 0, expiresAt });

describe("memory tier", () => {
  it("evicts the least recently used, a read counting as a use", () => {
    const tier = createMemoryTier(3 * (100 + OVERHEAD));
    for (const key of ["a", "b", "c"]) tier.set(key, entry(key), 100);
    expect(tier.get("a", 0)?.value).toBe("a");
    tier.set("d", entry("d"), 100);
    expect(tier.get("b", 0)).toBeUndefined();
    expect(["a", "c", "d"].map((key) => tier.get(key, 0)?.value)).toEqual(["a", "c", "d"]);
    expect(tier.bytes).toBe(3 * (100 + OVERHEAD));
  });

  it("replaces an entry in place, counting its new size", () => {
    const tier = createMemoryTier(10_000);
    tier.set("a", entry("old"), 100);
    tier.set("a", entry("new"), 300);
    expect(tier.get("a", 0)?.value).toBe("new");
    expect(tier.bytes).toBe(300 + OVERHEAD);
  });

  it("keeps nothing larger than the bound, and drops what the key held", () => {
    const tier = createMemoryTier(1_000);
    tier.set("a", entry("small"), 100);
    tier.set("a", entry("huge"), 2_000);
    expect(tier.get("a", 0)).toBeUndefined();
    expect(tier.bytes).toBe(0);
  });

  it("counts an entry kept unread at the length of the JSON Redis would hold for it", () => {
    const tier = createMemoryTier(100_000);
    const store = createEntryStore(tier, undefined, 100_000, () => 1_764_000_000_000);
    const json = '{"object":"chat.completion","choices":[]}';
    const kept: Entry = { value: JSON.parse(json) as unknown, storedAt: 1_764_000_000_000, expiresAt: 1_764_000_300_000 };
    expect(store.hold("k", kept, json)).toBe(true);
    expect(tier.bytes).toBe(JSON.stringify(kept).length + OVERHEAD);
  });

  it("drops an expired entry when read", () => {
    const tier = createMemoryTier(10_000);
    tier.set("a", entry("a", 50), 100);
    expect(tier.get("a", 49)?.value).toBe("a");
    expect(tier.get("a", 50)).toBeUndefined();
    expect(tier.bytes).toBe(0);
  });

  it("counts a rendering kept with the entry it was made from, evicting others to stay bounded", () => {
    const tier = createMemoryTier(2 * (100 + OVERHEAD) + 50);
    const a = entry("a");
    tier.set("a", a, 100);
    tier.set("b", entry("b"), 100);
    tier.grow("a", entry("other"), 40);
    expect(tier.bytes).toBe(2 * (100 + OVERHEAD));
    tier.grow("a", a, 100);
    expect(tier.get("b", 0)).toBeUndefined();
    expect(tier.get("a", 0)).toBe(a);
    expect(tier.bytes).toBe(200 + OVERHEAD);
  });
});
