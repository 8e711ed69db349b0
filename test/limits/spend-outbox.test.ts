// The spend outbox against a store that fails on demand: it keeps what the store refused,
// bounded, replays it oldest first in batches once the store answers, and on close waits for
// the store a while and then names what it could not send.
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/limits/memory-store.ts";
import { createSpendOutbox } from "../../src/limits/spend-outbox.ts";
import type { LimitStore, SpendSettlement } from "../../src/limits/types.ts";
import { eventually } from "../harness/eventually.ts";

interface Logged {
  level: "warn" | "error" | "info";
  fields: Record<string, unknown>;
  message: string;
}

function flakyStore(): { store: LimitStore; calls: string[][]; down: { value: boolean } } {
  const inner = createMemoryStore();
  const down = { value: true };
  const calls: string[][] = [];
  const store: LimitStore = {
    ...inner,
    settle(settlements) {
      calls.push(settlements.map((s) => s.id));
      return down.value ? Promise.reject(new Error("connection refused")) : inner.settle(settlements);
    },
  };
  return { store, calls, down };
}

function setup(maxPending: number, batchSize = 500) {
  const { store, calls, down } = flakyStore();
  const logged: Logged[] = [];
  const errors: unknown[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => logged.push({ level: "warn", fields, message }),
    error: (fields: Record<string, unknown>, message: string) => logged.push({ level: "error", fields, message }),
    info: (fields: Record<string, unknown>, message: string) => logged.push({ level: "info", fields, message }),
  };
  const outbox = createSpendOutbox(store, { retryMs: 20, maxPending, batchSize, onError: (e) => errors.push(e), logger });
  return { outbox, store, calls, down, logged, errors };
}

const settlement = (id: string, cost: number, key = "k:team:budget:day:0"): SpendSettlement => ({ key, id, cost, ttlMs: 0, dedupeMs: 60_000 });

async function spentOn(store: LimitStore, key: string): Promise<number> {
  const result = await store.check({ buckets: [], budget: { key, id: "read", limit: 1_000_000, cost: 0, leaseMs: 1_000, ttlMs: 0 } });
  return result.budget?.spent ?? Number.NaN;
}

describe("spend outbox", () => {
  it("keeps at most maxPending settlements, dropping the oldest and saying so", async () => {
    const { outbox, logged } = setup(3);
    for (let i = 1; i <= 5; i += 1) await outbox.send(settlement(`s${i}`, i * 100));
    expect(outbox.pending).toBe(3);
    expect(outbox.pendingMicros).toBe(300 + 400 + 500);
    expect(logged.filter((l) => l.level === "warn")).toHaveLength(1); // the first one kept
    const drops = logged.filter((l) => l.level === "error");
    expect(drops).toHaveLength(1); // throttled: one line per interval
    expect(drops[0]?.fields).toMatchObject({ dropped_settlements: 1, dropped_usd: 0.0001, max_pending: 3 });
    outbox.close();
  });

  it("replays what it kept, oldest first in batches, exactly once, when the store answers again", async () => {
    const { outbox, store, calls, down, logged } = setup(100, 2);
    for (let i = 1; i <= 5; i += 1) await outbox.send(settlement(`s${i}`, 10));
    expect(outbox.pending).toBe(5);
    down.value = false;
    await eventually(() => expect(outbox.pending).toBe(0), 5_000);
    expect(outbox.pendingMicros).toBe(0);
    expect(calls.slice(-3)).toEqual([["s1", "s2"], ["s3", "s4"], ["s5"]]);
    expect(await spentOn(store, "k:team:budget:day:0")).toBe(50);
    expect(logged.at(-1)).toMatchObject({ level: "info", fields: { settlements: 5, usd: 0.00005 } });
    outbox.close();
  });

  it("on drain, waits for the store to come back within the time given", async () => {
    const { outbox, store, down, logged } = setup(100);
    await outbox.send(settlement("late", 70));
    setTimeout(() => (down.value = false), 100);
    await outbox.drain(2_000);
    expect(outbox.pending).toBe(0);
    expect(await spentOn(store, "k:team:budget:day:0")).toBe(70);
    expect(logged.some((l) => l.level === "error")).toBe(false);
    outbox.close();
  });

  it("on drain, names what the store never took once the time is up", async () => {
    const { outbox, logged } = setup(100);
    await outbox.send(settlement("a", 1_000, "k:a:budget:day:0"));
    await outbox.send(settlement("b", 2_000, "k:a:budget:day:0"));
    await outbox.send(settlement("c", 500, "k:b:budget:total:0"));
    const started = Date.now();
    await outbox.drain(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(outbox.pending).toBe(3);
    expect(logged.at(-1)).toMatchObject({
      level: "error",
      fields: { settlements: 3, usd: 0.0035, counters: { "k:a:budget:day:0": 0.003, "k:b:budget:total:0": 0.0005 }, counters_not_named: 0 },
    });
    outbox.close();
  });
});
