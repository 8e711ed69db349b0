import { describe, expect, it } from "vitest";
import { configFromObject } from "../../src/config/load.ts";
import type { ResolvedKey } from "../../src/config/types.ts";
import type { ChatRequest } from "../../src/providers/types.ts";
import { planFor, weightedOrder } from "../../src/routing/plan.ts";
import { createRouter } from "../../src/routing/router.ts";
import { RoutingError } from "../../src/routing/routing-error.ts";
import { globToRegExp } from "../../src/routing/rules.ts";

const providers = Object.fromEntries(
  ["local", "cloud-a", "cloud-b", "cloud-c"].map((id) => [id, { type: "openai", base_url: `http://127.0.0.1:1/${id}` }]),
);
const config = configFromObject(
  {
    providers,
    models: {
      llama: { targets: [{ provider: "local", model: "llama3" }] },
      gpt: { targets: [{ provider: "cloud-a", model: "gpt-4o" }] },
      claude: { targets: [{ provider: "cloud-b", model: "claude" }] },
      smart: { targets: [{ model: "claude" }, { model: "gpt" }, { model: "llama" }] },
      balanced: { strategy: "loadbalance", targets: [{ provider: "cloud-a", model: "a", weight: 3 }, { provider: "cloud-c", model: "c", weight: 1 }] },
      nested: { targets: [{ model: "balanced" }, { model: "llama" }] },
    },
    routing: {
      default: "smart",
      rules: [
        { name: "confidential-stays-local", when: { sensitivity: "confidential" }, use: "llama", allow_providers: ["local"] },
        { name: "vision", when: { images: true }, use: "gpt" },
        { name: "simple-is-cheap", when: { complexity: "simple", model: "auto" }, use: "gpt" },
        { name: "team-b-no-c", when: { key: "team-b" }, allow_providers: ["cloud-a", "cloud-b", "local"] },
        { name: "gpt-family", when: { model: "gpt*" } },
      ],
    },
  },
  "test",
  {},
);
const router = createRouter(config);
const key = (name: string, sensitivity: ResolvedKey["sensitivity"] = "public", models?: string[]): ResolvedKey => ({
  name,
  digest: "0".repeat(64),
  digestBytes: Buffer.alloc(32),
  models: models ? new Set(models) : undefined,
  sensitivity,
  rpm: undefined,
  tpm: undefined,
  maxConcurrent: undefined,
});
const req = (model: string, content = "hello", extra: Record<string, unknown> = {}) =>
  ({ model, messages: [{ role: "user", content }], ...extra }) as unknown as ChatRequest;
const decide = (r: ChatRequest, k?: ResolvedKey, headers: Record<string, string> = {}) => router.decide({ req: r, key: k, headers, random: () => 0 });
const providersOf = (d: { plan: readonly { provider: string }[] }) => d.plan.map((t) => t.provider);

describe("router", () => {
  it("with auto, lets the first matching rule's use pick the model", () => {
    const d = decide(req("auto", "hi"));
    expect(d).toMatchObject({ rule: "simple-is-cheap", model: { name: "gpt" }, complexity: "simple" });
    expect(providersOf(d)).toEqual(["cloud-a"]);
  });

  it("falls back to routing.default when the first match has no use", () => {
    const d = decide(req("auto", "word ".repeat(2000)), key("team-b"));
    expect(d.rule).toBe("team-b-no-c");
    expect(d.model.name).toBe("smart");
    expect(providersOf(d)).toEqual(["cloud-b", "cloud-a", "local"]);
  });

  it("keeps a named model's own targets and still reports the matched rule", () => {
    const d = decide(req("smart", "word ".repeat(2000)));
    expect(d.rule).toBeUndefined();
    expect(providersOf(d)).toEqual(["cloud-b", "cloud-a", "local"]);
    expect(decide(req("gpt", "word ".repeat(2000))).rule).toBe("gpt-family");
  });

  it("filters a named model's whole fallback chain by the confidential policy", () => {
    const d = decide(req("smart"), key("legal", "confidential"));
    expect(d.rule).toBe("confidential-stays-local");
    expect(providersOf(d)).toEqual(["local"]);
  });

  it("answers a confidential request for a cloud-only model with a policy refusal naming the rule", () => {
    expect(() => decide(req("gpt"), undefined, { "x-llm-sensitivity": "confidential" })).toThrow(/confidential-stays-local/);
    try {
      decide(req("gpt"), undefined, { "x-llm-sensitivity": "confidential" });
    } catch (error) {
      expect((error as RoutingError).refusal).toBe("policy_empty_plan");
    }
  });

  it("applies every matching policy, whatever the rule order", () => {
    // team-b's rule comes after others, and its allow list excludes cloud-c.
    const d = decide(req("balanced", "word ".repeat(2000)), key("team-b"));
    expect(providersOf(d)).toEqual(["cloud-a"]);
    expect(d.allowed && [...d.allowed].sort()).toEqual(["cloud-a", "cloud-b", "local"]);
  });

  it("refuses unknown models (404) and models outside the key's list (403)", () => {
    expect(() => decide(req("nope"))).toThrow(expect.objectContaining({ refusal: "unknown_model" }) as Error);
    expect(() => decide(req("gpt"), key("k", "public", ["llama"]))).toThrow(expect.objectContaining({ refusal: "model_not_allowed" }) as Error);
    expect(() => decide(req("auto"), key("k", "public", ["gpt"]))).toThrow(expect.objectContaining({ refusal: "model_not_allowed" }) as Error);
  });

  it("routes image requests by the images condition", () => {
    const r = { model: "auto", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }] } as unknown as ChatRequest;
    expect(decide(r).rule).toBe("vision");
  });
});

describe("plans", () => {
  const route = (name: string) => config.models.get(name)!.route;

  it("expands nested aliases in order and drops duplicates", () => {
    expect(planFor(route("nested"), { random: () => 0 }).map((t) => t.provider)).toEqual(["cloud-a", "cloud-c", "local"]);
  });

  it("draws loadbalance entries by weight, the rest staying as fallbacks", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const firsts = { "cloud-a": 0, "cloud-c": 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) {
      const plan = planFor(route("balanced"), { random });
      expect(plan).toHaveLength(2);
      firsts[plan[0]!.provider]! += 1;
    }
    expect(firsts["cloud-a"]! / 4000).toBeGreaterThan(0.7);
    expect(firsts["cloud-a"]! / 4000).toBeLessThan(0.8);
  });

  it("puts unhealthy loadbalance entries last", () => {
    const plan = planFor(route("balanced"), { random: () => 0, isHealthy: (t) => t.provider !== "cloud-a" });
    expect(plan.map((t) => t.provider)).toEqual(["cloud-c", "cloud-a"]);
  });

  it("orders by weight without replacement", () => {
    expect(weightedOrder([{ weight: 1, id: "a" }, { weight: 1, id: "b" }], () => 0.99).map((e) => e.id)).toEqual(["b", "a"]);
  });
});

describe("model globs", () => {
  it("match whole names with * and ?", () => {
    expect(globToRegExp("gpt-4*").test("gpt-4o-mini")).toBe(true);
    expect(globToRegExp("gpt-4*").test("my-gpt-4")).toBe(false);
    expect(globToRegExp("llama3.?").test("llama3.1")).toBe(true);
    expect(globToRegExp("llama3.?").test("llama3x1")).toBe(false);
  });
});
