// Config load for model kinds: chat and embeddings models, vector spaces, and the refusals that
// keep one public embeddings model in one vector space.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { configFromObject } from "../../src/config/load.ts";

const providers = {
  oa: { type: "openai", base_url: "http://127.0.0.1:1/v1" },
  oa2: { type: "openai", base_url: "http://127.0.0.1:2/v1" },
  az: { type: "azure", api_key: "k", endpoint: "http://127.0.0.1:3" },
  gem: { type: "gemini", api_key: "k", base_url: "http://127.0.0.1:4" },
  claude: { type: "anthropic", api_key: "k", base_url: "http://127.0.0.1:5" },
  local: { type: "ollama", base_url: "http://127.0.0.1:6" },
};
const chat = { targets: [{ provider: "oa", model: "gpt-4o-mini" }] };

const load = (models: Record<string, unknown>, routing: Record<string, unknown> = {}) =>
  configFromObject({ providers, models, routing }, "test", {});

function problemsOf(models: Record<string, unknown>, routing: Record<string, unknown> = {}): readonly string[] {
  try {
    load(models, routing);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("model kinds", () => {
  it("defaults to chat and exposes the kind on the resolved model", () => {
    const config = load({ chat, emb: { kind: "embeddings", targets: [{ provider: "oa", model: "text-embedding-3-small" }] } });
    expect(config.models.get("chat")?.kind).toBe("chat");
    expect(config.models.get("emb")?.kind).toBe("embeddings");
  });

  it("refuses an unknown kind", () => {
    expect(problemsOf({ emb: { kind: "vectors", targets: [{ provider: "oa", model: "x" }] } })).toEqual([
      expect.stringMatching(/^models\.emb\.kind: /),
    ]);
  });

  it("lets fallbacks serve the same upstream model from different providers", () => {
    const config = load({
      emb: { kind: "embeddings", targets: [{ provider: "oa", model: "text-embedding-3-small" }, { provider: "oa2", model: "text-embedding-3-small" }] },
    });
    expect(config.models.get("emb")?.providers).toEqual(["oa", "oa2"]);
  });

  it("lets different upstream models back one model when each declares the same space", () => {
    const config = load({
      emb: {
        kind: "embeddings",
        targets: [
          { provider: "oa", model: "text-embedding-3-small", space: "te3s" },
          { provider: "az", model: "emb-eu-deployment", space: "te3s" },
        ],
      },
    });
    const route = config.models.get("emb")?.route;
    expect(route?.kind === "group" && route.entries.map((e) => e.node.kind === "target" && e.node.target.space)).toEqual(["te3s", "te3s"]);
  });
});

describe("refusals naming the model", () => {
  it("refuses targets serving different upstream models without a shared space", () => {
    expect(
      problemsOf({
        emb: { kind: "embeddings", targets: [{ provider: "oa", model: "text-embedding-3-small" }, { provider: "gem", model: "gemini-embedding-001" }] },
      }),
    ).toEqual([
      "models.emb: embeddings targets serve different upstream models (oa/text-embedding-3-small, gem/gemini-embedding-001), whose vectors are not comparable; use one upstream model, or declare the same `space` on every target if they truly share one",
    ]);
  });

  it("refuses a space declared on some targets only, and differing spaces", () => {
    const partial = problemsOf({
      emb: { kind: "embeddings", targets: [{ provider: "oa", model: "a", space: "s" }, { provider: "local", model: "b" }] },
    });
    expect(partial).toEqual([expect.stringContaining("models.emb: embeddings targets serve different upstream models (oa/a, local/b)")]);
    const differing = problemsOf({
      emb: { kind: "embeddings", targets: [{ provider: "oa", model: "a", space: "s1" }, { provider: "oa2", model: "a", space: "s2" }] },
    });
    expect(differing).toEqual(["models.emb: embeddings targets declare different spaces (s1, s2); one model serves one vector space"]);
  });

  it("applies the space rule through aliases", () => {
    expect(
      problemsOf({
        small: { kind: "embeddings", targets: [{ provider: "oa", model: "text-embedding-3-small" }] },
        local: { kind: "embeddings", targets: [{ provider: "local", model: "nomic-embed-text" }] },
        emb: { kind: "embeddings", targets: [{ model: "small" }, { model: "local" }] },
      }),
    ).toEqual([expect.stringContaining("models.emb: embeddings targets serve different upstream models (oa/text-embedding-3-small, local/nomic-embed-text)")]);
  });

  it("refuses an embeddings model with Anthropic targets", () => {
    expect(problemsOf({ emb: { kind: "embeddings", targets: [{ provider: "claude", model: "claude-sonnet-4-5" }] } })).toEqual([
      "models.emb: embeddings model with target claude/claude-sonnet-4-5, but anthropic providers have no embeddings",
    ]);
  });

  it("refuses routing.default and rules that use an embeddings model", () => {
    expect(
      problemsOf(
        { chat, emb: { kind: "embeddings", targets: [{ provider: "oa", model: "x" }] } },
        { default: "emb", rules: [{ name: "r", when: { sensitivity: "confidential" }, use: "emb" }] },
      ),
    ).toEqual([
      'routing.default: "emb" is an embeddings model; routing chooses among chat models only',
      'routing.rules[0].use: "emb" is an embeddings model; routing chooses among chat models only',
    ]);
  });

  it("refuses aliases mixing kinds, either way", () => {
    expect(
      problemsOf({
        chat,
        emb: { kind: "embeddings", targets: [{ provider: "oa", model: "x" }] },
        both: { targets: [{ model: "chat" }, { model: "emb" }] },
        back: { kind: "embeddings", targets: [{ model: "chat" }] },
      }),
    ).toEqual([
      'models.both.targets[1].model: "emb" is an embeddings model and "both" a chat one; an alias serves one kind',
      'models.back.targets[0].model: "chat" is a chat model and "back" an embeddings one; an alias serves one kind',
    ]);
  });

  it("refuses a space on a chat model's target", () => {
    expect(problemsOf({ chat: { targets: [{ provider: "oa", model: "gpt-4o-mini", space: "s" }] } })).toEqual([
      'models.chat.targets[0].space: "chat" is a chat model; only embeddings models have vector spaces',
    ]);
  });
});
