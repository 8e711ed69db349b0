// A key with a budget may only reach priced models: a model without a price would cost it
// nothing, which is a hole in the budget, not a free model. A local model says so with
// `price: { input_per_mtok: 0, output_per_mtok: 0 }`.
import type { RawConfig } from "./schema.ts";

/** `autoModel`: the name that asks the router to choose. */
export function budgetProblems(raw: RawConfig, autoModel: string): string[] {
  const problems: string[] = [];
  // `auto` serves whatever the rules or the default pick.
  const routed = [raw.routing.default, ...raw.routing.rules.map((r) => r.use)].filter((m) => m !== undefined);
  raw.keys?.forEach((key, i) => {
    if (key.budget === undefined) return;
    const listed = key.models ?? Object.keys(raw.models);
    const reachable = new Set(listed.flatMap((m) => (m === autoModel ? routed : [m])));
    const unpriced = [...reachable].filter((m) => raw.models[m] !== undefined && raw.models[m].price === undefined);
    for (const model of unpriced) {
      problems.push(
        `keys[${i}].budget: key "${key.name}" has a budget but may use model "${model}", which has no price; ` +
          `give "${model}" a price (a local model: price: { input_per_mtok: 0, output_per_mtok: 0 }) or leave it out of the key's models`,
      );
    }
  });
  return problems;
}
