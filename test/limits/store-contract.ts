// The behaviour every LimitStore must have. memory-store.test.ts and redis-store.test.ts run
// this same suite, so the single-process store and the shared one cannot drift apart.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BudgetClaim, CheckRequest, Clock, LimitStore, RateBucket, RateKind, SlotClaim, SpendSettlement } from "../../src/limits/types.ts";
import { fakeClock, type FakeClock } from "./fake-clock.ts";

const MINUTE = 60_000;

export function storeContract(name: string, makeStore: (clock: Clock) => LimitStore): void {
  describe(`LimitStore contract: ${name}`, () => {
    let clock: FakeClock;
    let store: LimitStore;
    let ns: string; // fresh key names per test: isolation on a shared Redis

    beforeEach(() => {
      clock = fakeClock();
      store = makeStore(clock);
      ns = randomUUID();
    });
    afterEach(async () => {
      await store.close();
    });

    const bucket = (kind: RateKind, key: string, limit: number, cost: number): RateBucket => ({
      kind,
      key: `${ns}:${key}`,
      limit,
      windowMs: MINUTE,
      cost,
    });
    const slot = (key: string, max: number, leaseMs = 30_000, id: string = randomUUID()): SlotClaim => ({
      key: `${ns}:${key}`,
      id,
      max,
      leaseMs,
    });
    const check = (request: CheckRequest) => store.check(request);
    const budget = (key: string, limit: number, cost: number, id: string = randomUUID(), leaseMs = 30_000): BudgetClaim => ({
      key: `${ns}:${key}`,
      id,
      limit,
      cost,
      leaseMs,
      ttlMs: 86_400_000,
    });
    const settlement = (claim: BudgetClaim, cost: number): SpendSettlement => ({ key: claim.key, id: claim.id, cost, ttlMs: claim.ttlMs, dedupeMs: 3_600_000 });
    const read = async (key: string, limit: number) => (await check({ buckets: [], budget: budget(key, limit, 0) })).budget;

    it("admits rpm requests up to the limit, counting remaining down, then refuses", async () => {
      const remaining: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const result = await check({ buckets: [bucket("requests", "rpm", 3, 1)] });
        expect(result.allowed).toBe(true);
        remaining.push(result.buckets[0]?.remaining ?? -1);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const refused = await check({ buckets: [bucket("requests", "rpm", 3, 1)] });
      expect(refused.allowed).toBe(false);
      expect(refused.refused).toEqual({ kind: "requests", retryAfterMs: 20_000 });
      expect(refused.buckets[0]).toMatchObject({ limit: 3, remaining: 0, resetMs: MINUTE, retryAfterMs: 20_000 });
    });

    it("reports the time until the bucket is full again as the reset", async () => {
      const first = await check({ buckets: [bucket("requests", "reset", 6, 1)] });
      expect(first.buckets[0]?.resetMs).toBe(10_000);
      clock.advance(4_000);
      const second = await check({ buckets: [bucket("requests", "reset", 6, 1)] });
      expect(second.buckets[0]?.resetMs).toBe(16_000);
    });

    it("lets a refused request through exactly when its retry-after has passed", async () => {
      const b = bucket("tokens", "retry", 1_000, 700);
      expect((await check({ buckets: [b] })).allowed).toBe(true);
      const refused = await check({ buckets: [b] });
      // 700 + 700 - 1000 = 400 tokens over, at 60 ms per token
      expect(refused.refused?.retryAfterMs).toBe(24_000);
      clock.advance(23_999);
      expect((await check({ buckets: [b] })).allowed).toBe(false);
      clock.advance(1);
      expect((await check({ buckets: [b] })).allowed).toBe(true);
    });

    it("refills continuously: one request's worth per window / limit", async () => {
      const b = bucket("requests", "refill", 60, 60);
      expect((await check({ buckets: [b] })).allowed).toBe(true);
      clock.advance(10_000);
      const peek = await check({ buckets: [{ ...b, cost: 0 }] });
      expect(peek.buckets[0]?.remaining).toBe(10);
    });

    it("consumes nothing when a request is refused", async () => {
      const rpm = bucket("requests", "nc-rpm", 10, 1);
      const tpm = bucket("tokens", "nc-tpm", 1_000, 800);
      expect((await check({ buckets: [rpm, tpm] })).allowed).toBe(true);
      const refused = await check({ buckets: [rpm, tpm], slot: slot("nc-conc", 5) });
      expect(refused.allowed).toBe(false);
      expect(refused.refused?.kind).toBe("tokens");
      // the requests bucket reports its untouched state, and the slot was not taken
      expect(refused.buckets[0]?.remaining).toBe(9);
      expect(refused.slot).toEqual({ max: 5, inUse: 0, acquired: false });
      const peek = await check({ buckets: [{ ...rpm, cost: 0 }, { ...tpm, cost: 0 }], slot: slot("nc-conc", 5) });
      expect(peek.buckets.map((s) => s.remaining)).toEqual([9, 200]);
      expect(peek.slot?.inUse).toBe(1);
    });

    it("does not count a request refused by concurrency against its rate limits", async () => {
      const rpm = bucket("requests", "cr-rpm", 10, 1);
      expect((await check({ buckets: [rpm], slot: slot("cr-conc", 1) })).allowed).toBe(true);
      const refused = await check({ buckets: [rpm], slot: slot("cr-conc", 1) });
      expect(refused.refused).toEqual({ kind: "concurrency", retryAfterMs: 1_000 });
      expect(refused.buckets[0]?.remaining).toBe(9);
    });

    it("reads the state without changing it when every cost is zero", async () => {
      const b = bucket("tokens", "peek", 1_000, 250);
      await check({ buckets: [b] });
      for (let i = 0; i < 3; i += 1) {
        const peek = await check({ buckets: [{ ...b, cost: 0 }] });
        expect(peek.buckets[0]?.remaining).toBe(750);
      }
    });

    it("corrects a token reservation by the real usage, both ways", async () => {
      const b = bucket("tokens", "adjust", 1_000, 600);
      const peek = { buckets: [{ ...b, cost: 0 }] };
      await check({ buckets: [b] });
      expect((await check(peek)).buckets[0]?.remaining).toBe(400);
      await store.adjust([{ key: b.key, limit: b.limit, windowMs: b.windowMs, delta: -500 }]);
      expect((await check(peek)).buckets[0]?.remaining).toBe(900);
      await store.adjust([{ key: b.key, limit: b.limit, windowMs: b.windowMs, delta: 200 }]);
      expect((await check(peek)).buckets[0]?.remaining).toBe(700);
      // a refund never fills the bucket beyond its limit
      await store.adjust([{ key: b.key, limit: b.limit, windowMs: b.windowMs, delta: -5_000 }]);
      expect((await check(peek)).buckets[0]).toMatchObject({ remaining: 1_000, resetMs: 0 });
    });

    it("keeps a bucket in debt when usage overran the limit, until time pays it back", async () => {
      const b = bucket("tokens", "debt", 1_000, 500);
      await check({ buckets: [b] });
      await store.adjust([{ key: b.key, limit: b.limit, windowMs: b.windowMs, delta: 1_000 }]);
      const refused = await check({ buckets: [{ ...b, cost: 1 }] });
      expect(refused.allowed).toBe(false);
      expect(refused.buckets[0]).toMatchObject({ remaining: 0, resetMs: 90_000 });
      // 1,500 used of 1,000: 501 tokens must drain before 1 more fits
      expect(refused.refused?.retryAfterMs).toBe(30_060);
    });

    it("adjusts several buckets in one call", async () => {
      const key = bucket("tokens", "multi-k", 1_000, 400);
      const model = bucket("model_tokens", "multi-m", 2_000, 400);
      await check({ buckets: [key, model] });
      await store.adjust([
        { key: key.key, limit: key.limit, windowMs: MINUTE, delta: -300 },
        { key: model.key, limit: model.limit, windowMs: MINUTE, delta: -300 },
      ]);
      const peek = await check({ buckets: [{ ...key, cost: 0 }, { ...model, cost: 0 }] });
      expect(peek.buckets.map((s) => s.remaining)).toEqual([900, 1_900]);
    });

    it("hands out concurrency slots up to the maximum and takes them back on release", async () => {
      const a = slot("conc", 2);
      const b = slot("conc", 2);
      expect((await check({ buckets: [], slot: a })).slot).toEqual({ max: 2, inUse: 1, acquired: true });
      expect((await check({ buckets: [], slot: b })).slot).toEqual({ max: 2, inUse: 2, acquired: true });
      const refused = await check({ buckets: [], slot: slot("conc", 2) });
      expect(refused.allowed).toBe(false);
      expect(refused.refused?.kind).toBe("concurrency");
      await store.release(a);
      await store.release(a); // releasing twice is harmless
      expect((await check({ buckets: [], slot: slot("conc", 2) })).slot?.acquired).toBe(true);
      expect((await check({ buckets: [], slot: slot("conc", 2) })).allowed).toBe(false);
    });

    it("lets the slot of a holder that never released lapse after its lease", async () => {
      await check({ buckets: [], slot: slot("lease", 1, 5_000) });
      expect((await check({ buckets: [], slot: slot("lease", 1, 5_000) })).allowed).toBe(false);
      clock.advance(5_001);
      expect((await check({ buckets: [], slot: slot("lease", 1, 5_000) })).slot).toEqual({
        max: 1,
        inUse: 1,
        acquired: true,
      });
    });

    it("keeps a renewed slot past its first lease, and never revives a lapsed one", async () => {
      const held = slot("renew", 1, 5_000);
      await check({ buckets: [], slot: held });
      clock.advance(4_000);
      await store.renew([{ key: held.key, id: held.id, leaseMs: 5_000 }]);
      clock.advance(4_000);
      expect((await check({ buckets: [], slot: slot("renew", 1, 5_000) })).allowed).toBe(false);
      clock.advance(1_001);
      await store.renew([{ key: held.key, id: held.id, leaseMs: 5_000 }]);
      expect((await check({ buckets: [], slot: slot("renew", 1, 5_000) })).allowed).toBe(true);
    });

    it("applies a model limit across keys while each key keeps its own", async () => {
      const forKey = (k: string) => [bucket("requests", `iso-${k}`, 10, 1), bucket("model_requests", "iso-model", 3, 1)];
      expect((await check({ buckets: forKey("a") })).allowed).toBe(true);
      expect((await check({ buckets: forKey("b") })).allowed).toBe(true);
      expect((await check({ buckets: forKey("a") })).allowed).toBe(true);
      const refused = await check({ buckets: forKey("b") });
      expect(refused.refused?.kind).toBe("model_requests");
      expect(refused.buckets.map((s) => s.remaining)).toEqual([9, 0]);
    });

    it("keeps keys isolated from each other", async () => {
      const a = bucket("requests", "key-a", 1, 1);
      const b = bucket("requests", "key-b", 1, 1);
      expect((await check({ buckets: [a] })).allowed).toBe(true);
      expect((await check({ buckets: [a] })).allowed).toBe(false);
      expect((await check({ buckets: [b] })).allowed).toBe(true);
      const slotA = slot("slot-a", 1);
      expect((await check({ buckets: [], slot: slotA })).allowed).toBe(true);
      expect((await check({ buckets: [], slot: slot("slot-b", 1) })).allowed).toBe(true);
    });

    it("names the limit the client must wait longest for when several refuse", async () => {
      const rpm = bucket("requests", "bind-rpm", 3, 1);
      const tpm = bucket("tokens", "bind-tpm", 100, 50);
      await check({ buckets: [rpm, tpm] });
      await check({ buckets: [rpm, tpm] });
      await check({ buckets: [rpm, { ...tpm, cost: 0 }] });
      // requests: 20 s until one fits; tokens: 50 over at 600 ms each = 30 s
      const refused = await check({ buckets: [rpm, tpm] });
      expect(refused.buckets.map((s) => s.retryAfterMs)).toEqual([20_000, 30_000]);
      expect(refused.refused).toEqual({ kind: "tokens", retryAfterMs: 30_000 });
    });

    it("keeps the units already used when a reload changes the limit", async () => {
      await check({ buckets: [bucket("requests", "relimit", 3, 1)] });
      await check({ buckets: [bucket("requests", "relimit", 3, 1)] });
      const raised = await check({ buckets: [bucket("requests", "relimit", 5, 1)] });
      expect(raised.buckets[0]).toMatchObject({ limit: 5, remaining: 2, resetMs: 36_000 });
    });

    it("keeps exact arithmetic for limits whose interval is not a whole millisecond", async () => {
      // 200,000 tokens per minute: 0.3 ms per token
      const b = bucket("tokens", "frac", 200_000, 3);
      for (let i = 0; i < 10; i += 1) await check({ buckets: [b] });
      const peek = await check({ buckets: [{ ...b, cost: 0 }] });
      expect(peek.buckets[0]).toMatchObject({ remaining: 199_970, resetMs: 9 });
    });

    it("holds a budget's worst case until it is spent, then refuses, taking nothing", async () => {
      const holds = [];
      for (let i = 0; i < 3; i += 1) {
        const result = await check({ buckets: [], budget: budget("b-fill", 1_000, 300) });
        expect(result.allowed).toBe(true);
        holds.push(result.budget);
      }
      expect(holds).toEqual([
        { limit: 1_000, spent: 0, held: 0, acquired: true },
        { limit: 1_000, spent: 0, held: 300, acquired: true },
        { limit: 1_000, spent: 0, held: 600, acquired: true },
      ]);
      const refused = await check({ buckets: [bucket("requests", "b-rpm", 10, 1)], budget: budget("b-fill", 1_000, 300), slot: slot("b-conc", 5) });
      expect(refused.allowed).toBe(false);
      expect(refused.refused).toEqual({ kind: "budget", retryAfterMs: 0 });
      expect(refused.budget).toEqual({ limit: 1_000, spent: 0, held: 900, acquired: false });
      // neither the rate limit nor the slot was taken by the refused request
      expect(refused.buckets[0]?.remaining).toBe(10);
      expect(refused.slot).toEqual({ max: 5, inUse: 0, acquired: false });
      expect((await check({ buckets: [], budget: budget("b-fill", 1_000, 100) })).allowed).toBe(true);
    });

    it("takes no budget hold when another limit refuses", async () => {
      const rpm = bucket("requests", "b-other", 1, 1);
      await check({ buckets: [rpm] });
      const refused = await check({ buckets: [rpm], budget: budget("b-other-spend", 1_000, 400) });
      expect(refused.refused?.kind).toBe("requests");
      expect(refused.budget?.acquired).toBe(false);
      expect(await read("b-other-spend", 1_000)).toEqual({ limit: 1_000, spent: 0, held: 0, acquired: false });
    });

    it("settles a hold to the real cost, once per id however often it is sent", async () => {
      const claim = budget("b-settle", 1_000, 600);
      await check({ buckets: [], budget: claim });
      await store.settle([settlement(claim, 250)]);
      await store.settle([settlement(claim, 250)]);
      expect(await read("b-settle", 1_000)).toEqual({ limit: 1_000, spent: 250, held: 0, acquired: false });
      // released without a charge: the hold goes, nothing is spent
      const released = budget("b-settle", 1_000, 700);
      await check({ buckets: [], budget: released });
      await store.settle([settlement(released, 0)]);
      expect(await read("b-settle", 1_000)).toMatchObject({ spent: 250, held: 0 });
    });

    it("counts a settlement whose hold lapsed or never existed (served while the store was away)", async () => {
      const claim = budget("b-lapsed", 1_000, 500, randomUUID(), 5_000);
      await check({ buckets: [], budget: claim });
      clock.advance(5_001);
      expect((await read("b-lapsed", 1_000))?.held).toBe(0);
      await store.settle([settlement(claim, 120), settlement(budget("b-lapsed", 1_000, 0), 80)]);
      expect((await read("b-lapsed", 1_000))?.spent).toBe(200);
    });

    it("keeps a renewed hold past its first lease, and never revives a lapsed one", async () => {
      const claim = budget("b-renew", 1_000, 400, randomUUID(), 5_000);
      await check({ buckets: [], budget: claim });
      clock.advance(4_000);
      await store.renew([], [{ key: claim.key, id: claim.id, leaseMs: 5_000 }]);
      clock.advance(4_000);
      expect((await read("b-renew", 1_000))?.held).toBe(400);
      clock.advance(1_001);
      await store.renew([], [{ key: claim.key, id: claim.id, leaseMs: 5_000 }]);
      expect((await read("b-renew", 1_000))?.held).toBe(0);
    });

    it("reads a spent budget without refusing, and lets a raised limit keep the spend", async () => {
      const claim = budget("b-read", 500, 500);
      await check({ buckets: [], budget: claim });
      await store.settle([settlement(claim, 500)]);
      const peek = await check({ buckets: [], budget: budget("b-read", 500, 0) });
      expect(peek.allowed).toBe(true);
      expect(peek.budget).toEqual({ limit: 500, spent: 500, held: 0, acquired: false });
      expect((await check({ buckets: [], budget: budget("b-read", 500, 1) })).allowed).toBe(false);
      expect((await check({ buckets: [], budget: budget("b-read", 800, 300) })).allowed).toBe(true);
    });

    it("peeks at levels and live slots without consuming, admitting or extending anything", async () => {
      const rpm = bucket("requests", "peek-rpm", 4, 1);
      const tpm = bucket("tokens", "peek-tpm", 1_000, 300);
      const { cost: _rpmCost, ...rpmRef } = rpm;
      const { cost: _tpmCost, ...tpmRef } = tpm;
      const peekRequest = { buckets: [rpmRef, tpmRef], slotKeys: [`${ns}:peek-conc`, `${ns}:peek-none`] };
      expect(await store.peek(peekRequest)).toEqual({
        buckets: [
          { kind: "requests", limit: 4, remaining: 4, resetMs: 0 },
          { kind: "tokens", limit: 1_000, remaining: 1_000, resetMs: 0 },
        ],
        slotsInUse: [0, 0],
      });
      await check({ buckets: [rpm, tpm], slot: slot("peek-conc", 2, 10_000) });
      clock.advance(3_000);
      const seen = await store.peek(peekRequest);
      // 1 request drained by 3/60 of 4 = 0.2; 300 tokens drained by 50
      expect(seen.buckets).toEqual([
        { kind: "requests", limit: 4, remaining: 3, resetMs: 12_000 },
        { kind: "tokens", limit: 1_000, remaining: 750, resetMs: 15_000 },
      ]);
      expect(seen.slotsInUse).toEqual([1, 0]);
      // Peeking many times consumed nothing: three more requests still fit, a fourth does not.
      for (let i = 0; i < 5; i += 1) await store.peek(peekRequest);
      for (let i = 0; i < 3; i += 1) expect((await check({ buckets: [rpm] })).allowed).toBe(true);
      expect((await check({ buckets: [rpm] })).allowed).toBe(false);
      // The slot lapses at its lease: peeking did not renew it.
      clock.advance(7_001);
      expect((await store.peek(peekRequest)).slotsInUse).toEqual([0, 0]);
    });
  });
}
