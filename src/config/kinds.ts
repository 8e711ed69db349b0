// What a model's kind (chat or embeddings) demands of the config. Embeddings models must never
// hand a client vectors from two vector spaces under one name, so their fallbacks serve one
// upstream model (or declare one shared space); chat-only routing never lands on them.
import { EMBEDDING_PROVIDER_TYPES, type RawConfig } from "./schema.ts";
import type { ConcreteTarget } from "./types.ts";

/** `targets`: each resolved model's concrete targets, aliases expanded. */
export function kindProblems(raw: RawConfig, targets: ReadonlyMap<string, readonly ConcreteTarget[]>): string[] {
  const problems: string[] = [];
  const kindOf = (name: string) => raw.models[name]?.kind;

  for (const [name, model] of Object.entries(raw.models)) {
    model.targets.forEach((t, i) => {
      const path = `models.${name}.targets[${i}]`;
      if (!("provider" in t)) {
        const other = kindOf(t.model);
        if (other !== undefined && other !== model.kind) {
          problems.push(`${path}.model: "${t.model}" is a${other === "chat" ? " chat" : "n embeddings"} model and "${name}" a${model.kind === "chat" ? " chat" : "n embeddings"} one; an alias serves one kind`);
        }
      } else if (t.space !== undefined && model.kind === "chat") {
        problems.push(`${path}.space: "${name}" is a chat model; only embeddings models have vector spaces`);
      }
    });
  }

  for (const [name, served] of targets) {
    if (kindOf(name) === "embeddings") problems.push(...embeddingTargetProblems(raw, name, served));
  }

  const refuseEmbeddings = (path: string, name: string | undefined) => {
    if (name !== undefined && kindOf(name) === "embeddings") {
      problems.push(`${path}: "${name}" is an embeddings model; routing chooses among chat models only`);
    }
  };
  refuseEmbeddings("routing.default", raw.routing.default);
  raw.routing.rules.forEach((rule, i) => refuseEmbeddings(`routing.rules[${i}].use`, rule.use));
  return problems;
}

function embeddingTargetProblems(raw: RawConfig, name: string, targets: readonly ConcreteTarget[]): string[] {
  const problems: string[] = [];
  for (const t of targets) {
    const type = raw.providers[t.provider]?.type;
    if (type !== undefined && !EMBEDDING_PROVIDER_TYPES.has(type)) {
      problems.push(`models.${name}: embeddings model with target ${t.provider}/${t.model}, but ${type} providers have no embeddings`);
    }
  }
  const spaces = new Set(targets.flatMap((t) => (t.space === undefined ? [] : [t.space])));
  if (spaces.size > 1) {
    problems.push(`models.${name}: embeddings targets declare different spaces (${[...spaces].join(", ")}); one model serves one vector space`);
    return problems;
  }
  const upstreamModels = new Set(targets.map((t) => t.model));
  const sharedSpace = spaces.size === 1 && targets.every((t) => t.space !== undefined);
  if (upstreamModels.size > 1 && !sharedSpace) {
    const listed = [...new Set(targets.map((t) => `${t.provider}/${t.model}`))].join(", ");
    problems.push(
      `models.${name}: embeddings targets serve different upstream models (${listed}), whose vectors are not comparable; ` +
        "use one upstream model, or declare the same `space` on every target if they truly share one",
    );
  }
  return problems;
}
