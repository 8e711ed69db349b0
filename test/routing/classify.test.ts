import { describe, expect, it } from "vitest";
import { configFromObject } from "../../src/config/load.ts";
import { classify, compileDetectors, estimateComplexity } from "../../src/routing/classify.ts";
import { measure } from "../../src/routing/features.ts";
import { requestText } from "../../src/routing/request-text.ts";
import { RoutingError } from "../../src/routing/routing-error.ts";
import type { ChatRequest } from "../../src/providers/types.ts";

const config = configFromObject(
  {
    providers: { up: { type: "openai", base_url: "http://127.0.0.1:1/v1" } },
    models: { m: { targets: [{ provider: "up", model: "x" }] } },
    routing: {
      detectors: [
        { name: "card-number", pattern: "\\b(?:\\d[ -]?){13,16}\\b" },
        { name: "internal-codename", pattern: "project\\s+falcon", flags: "i", sensitivity: "internal" },
      ],
      complexity: { moderate_tokens: 100, complex_tokens: 1000, long_output_tokens: 2000 },
    },
  },
  "test",
  {},
);
const detectors = compileDetectors(config.raw);
const thresholds = config.raw.routing.complexity;

const req = (content: string, extra: Record<string, unknown> = {}) =>
  ({ model: "m", messages: [{ role: "user", content }], ...extra }) as unknown as ChatRequest;
const run = (r: ChatRequest, keyLevel: "public" | "internal" | "confidential" = "public", headers: Record<string, string> = {}) =>
  classify({ req: r, texts: requestText(r), features: measure(r), keyLevel, headers }, detectors, thresholds);

describe("sensitivity", () => {
  it("starts at the key's level", () => {
    expect(run(req("hi")).sensitivity).toBe("public");
    expect(run(req("hi"), "confidential").sensitivity).toBe("confidential");
  });

  it("is raised by the header and by metadata, never lowered below the key", () => {
    expect(run(req("hi"), "public", { "x-llm-sensitivity": "internal" }).sensitivity).toBe("internal");
    expect(run(req("hi", { metadata: { sensitivity: "confidential" } })).sensitivity).toBe("confidential");
    expect(run(req("hi"), "confidential", { "x-llm-sensitivity": "public" }).sensitivity).toBe("confidential");
    expect(run(req("hi", { metadata: { sensitivity: "public" } }), "internal").sensitivity).toBe("internal");
  });

  it("is raised by content detectors over text and text parts", () => {
    const card = run(req("my card is 4111 1111 1111 1111, thanks"));
    expect(card).toMatchObject({ sensitivity: "confidential", detected: ["card-number"] });
    const parts = { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "about Project  Falcon" }] }] } as unknown as ChatRequest;
    expect(run(parts)).toMatchObject({ sensitivity: "internal", detected: ["internal-codename"] });
    expect(run(req("nothing to see")).detected).toEqual([]);
  });

  it("is raised by content detectors over every client string that goes upstream, and text split across parts", () => {
    const args = { model: "m", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "pay", arguments: '{"card":"4111 1111 1111 1111"}' } }] }] } as unknown as ChatRequest;
    expect(run(args)).toMatchObject({ sensitivity: "confidential", detected: ["card-number"] });
    const split = { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "card 4111 1111" }, { type: "text", text: " 1111 1111 please" }] }] } as unknown as ChatRequest;
    expect(run(split).sensitivity).toBe("confidential");
    expect(run(req("hi", { tools: [{ type: "function", function: { name: "f", description: "for Project Falcon" } }] })).sensitivity).toBe("internal");
  });

  it("reads no text when no detector could raise the level", () => {
    const unread: Iterable<string> = {
      [Symbol.iterator]() {
        throw new Error("read");
      },
    };
    const r = req("4111 1111 1111 1111");
    expect(classify({ req: r, texts: unread, features: measure(r), keyLevel: "confidential", headers: {} }, detectors, thresholds).sensitivity).toBe("confidential");
  });

  it("stops reading once no detector can raise the level any further", () => {
    let read = 0;
    function* texts() {
      for (const text of ["about Project Falcon", "4111 1111 1111 1111", "more", "and more"]) {
        read += 1;
        yield text;
      }
    }
    const r = req("hi");
    const result = classify({ req: r, texts: texts(), features: measure(r), keyLevel: "public", headers: {} }, detectors, thresholds);
    expect(result).toMatchObject({ sensitivity: "confidential", detected: ["internal-codename", "card-number"] });
    expect(read).toBe(2);
  });

  it("gives the same answer on repeated requests (no regex state carried over)", () => {
    for (let i = 0; i < 3; i++) expect(run(req("4111111111111111")).sensitivity).toBe("confidential");
  });

  it("rejects an invalid header or metadata value with a 400-style routing error", () => {
    expect(() => run(req("hi"), "public", { "x-llm-sensitivity": "secret" })).toThrow(RoutingError);
    expect(() => run(req("hi", { metadata: { sensitivity: 3 } }))).toThrow(/metadata.sensitivity must be one of public, internal, confidential/);
    expect(() => run(req("hi"), "public", { "x-llm-complexity": "huge" })).toThrow(/x-llm-complexity/);
  });
});

describe("complexity", () => {
  it("takes the header, then metadata", () => {
    expect(run(req("hi"), "public", { "x-llm-complexity": "complex" }).complexity).toBe("complex");
    expect(run(req("hi", { metadata: { complexity: "moderate" } })).complexity).toBe("moderate");
  });

  it("is estimated from prompt tokens, tools and the completion budget", () => {
    expect(run(req("short")).complexity).toBe("simple");
    expect(run(req("word ".repeat(200))).complexity).toBe("moderate");
    expect(run(req("word ".repeat(2000))).complexity).toBe("complex");
    expect(run(req("short", { tools: [{ type: "function", function: { name: "f" } }] })).complexity).toBe("moderate");
    expect(run(req("short", { max_tokens: 3000 })).complexity).toBe("moderate");
    expect(estimateComplexity({ promptTokens: 500, hasTools: false, hasImages: false, maxTokens: undefined }, thresholds)).toBe("moderate");
  });
});

describe("request features", () => {
  it("counts images, tools and approximate prompt tokens", () => {
    const r = {
      model: "m",
      messages: [
        { role: "system", content: "x".repeat(400) },
        { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
      ],
    } as unknown as ChatRequest;
    const f = measure(r);
    expect(f.hasImages).toBe(true);
    expect(f.hasTools).toBe(false);
    expect(f.promptTokens).toBe(Math.ceil(404 / 4) + 8 + 765);
  });
});
