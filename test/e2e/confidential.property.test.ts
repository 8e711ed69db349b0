// The confidential invariant as a property: whatever the config, the failures, the headers and
// the key, a confidential request never reaches a provider outside its policy's allow list.
// Checked on what the fake upstreams actually received.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream, Step } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startTestGateway } from "../harness/gateway.ts";
import { drain } from "../harness/client-calls.ts";

const PROVIDERS = ["p0", "p1", "p2", "p3"] as const;
type Provider = (typeof PROVIDERS)[number];
const LEVELS = ["public", "internal", "confidential"] as const;
type Level = (typeof LEVELS)[number];

const behaviour: fc.Arbitrary<Step> = fc.constantFrom<Step>(
  {},
  { status: 500 },
  { status: 503 },
  { status: 429, headers: { "retry-after": "0" } },
  { status: 400 },
  { status: 401 },
  { hang: true },
  { reply: { text: "cut short" }, cutAfterFrames: 0 },
  { reply: { text: "a b c d" }, cutAfterFrames: 2 },
);
const providerSubset = fc.subarray([...PROVIDERS], { minLength: 1 });
const targets = fc.array(fc.constantFrom(...PROVIDERS), { minLength: 1, maxLength: 3 });

const scenario = fc.record({
  models: fc.tuple(targets, targets, targets),
  chain: fc.subarray(["m0", "m1", "m2"], { minLength: 1 }),
  chainStrategy: fc.constantFrom("fallback", "loadbalance"),
  allow: providerSubset,
  earlierRule: fc.option(fc.record({ complexity: fc.constantFrom("simple", "moderate", "complex"), use: fc.constantFrom("m0", "m1", "m2", "chain") }), { nil: undefined }),
  ruleUse: fc.option(fc.constantFrom("m0", "m1", "m2", "chain"), { nil: undefined }),
  failures: fc.tuple(behaviour, behaviour, behaviour, behaviour),
  keyLevel: fc.constantFrom(...LEVELS),
  header: fc.option(fc.constantFrom(...LEVELS), { nil: undefined }),
  metadata: fc.option(fc.constantFrom(...LEVELS), { nil: undefined }),
  model: fc.constantFrom("auto", "m0", "m1", "m2", "chain"),
  stream: fc.boolean(),
  retries: fc.integer({ min: 0, max: 1 }),
});

describe("confidential requests stay within their policy", () => {
  const fakes = new Map<Provider, FakeUpstream>();

  beforeAll(async () => {
    for (const p of PROVIDERS) fakes.set(p, await startOpenAIFake());
  });
  afterAll(async () => {
    await Promise.all([...fakes.values()].map((f) => f.close()));
  });

  it("never reaches a provider outside allow_providers, whatever fails", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        for (const [i, p] of PROVIDERS.entries()) fakes.get(p)?.reset().always(s.failures[i] ?? {});
        const providers = Object.fromEntries(
          PROVIDERS.map((p) => [p, { type: "openai", base_url: `${fakes.get(p)?.origin ?? ""}/v1`, first_byte_timeout_ms: 100 }]),
        );
        const models: Record<string, unknown> = {
          chain: { strategy: s.chainStrategy, targets: s.chain.map((m) => ({ model: m })) },
        };
        s.models.forEach((ts, i) => {
          models[`m${i}`] = { targets: [...new Set(ts)].map((p) => ({ provider: p, model: `${p}-model` })) };
        });
        const rules: Record<string, unknown>[] = [];
        if (s.earlierRule) rules.push({ name: "earlier", when: { complexity: s.earlierRule.complexity }, use: s.earlierRule.use });
        rules.push({ name: "confidential-policy", when: { sensitivity: "confidential" }, allow_providers: s.allow, ...(s.ruleUse ? { use: s.ruleUse } : {}) });
        const gw = await startTestGateway({
          providers,
          models,
          routing: { default: "chain", rules },
          keys: LEVELS.map((level) => ({ name: `k-${level}`, key: `sk-${level}`, sensitivity: level })),
          resilience: { retries: s.retries, backoff_ms: 1, max_backoff_ms: 2, breaker: { volume_threshold: 1000 } },
        });
        const tag = `probe-${randomUUID()}`;
        try {
          const client = gw.client(`sk-${s.keyLevel}`);
          const body = {
            model: s.model,
            messages: [{ role: "user" as const, content: tag }],
            ...(s.metadata ? { metadata: { sensitivity: s.metadata } } : {}),
          };
          const headers = s.header ? { "x-llm-sensitivity": s.header } : {};
          await (async () => {
            if (s.stream) {
              const stream = await client.chat.completions.create({ ...body, stream: true }, { headers });
              await drain(stream);
            } else {
              await client.chat.completions.create(body, { headers });
            }
          })().catch(() => undefined);
        } finally {
          await gw.stop(200);
        }
        const rank = (l: Level | undefined) => (l ? LEVELS.indexOf(l) : 0);
        const effective = LEVELS[Math.max(rank(s.keyLevel), rank(s.header), rank(s.metadata))];
        const reached = PROVIDERS.filter((p) => fakes.get(p)?.chatRequests.some((r) => r.raw.includes(tag)));
        if (effective === "confidential") {
          for (const p of reached) expect(s.allow).toContain(p);
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
