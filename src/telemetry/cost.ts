// What a request cost, from its public model's price per million tokens.

export interface Price {
  /** USD per million prompt tokens. */
  readonly input_per_mtok: number;
  /** USD per million completion tokens. */
  readonly output_per_mtok: number;
}

export interface TokenCounts {
  readonly prompt_tokens: number;
  /** Absent for answers that generate nothing (embeddings). */
  readonly completion_tokens?: number | undefined;
}

/** USD for these tokens; undefined when the model has no price or the upstream reported no usage. */
export function costUsd(price: Price | undefined, usage: TokenCounts | undefined): number | undefined {
  if (!price || !usage) return undefined;
  return (usage.prompt_tokens * price.input_per_mtok + (usage.completion_tokens ?? 0) * price.output_per_mtok) / 1_000_000;
}
