// Money as the budget store keeps it: integer micro-USD. A price in USD per million tokens is
// exactly micro-USD per token, so a cost is tokens x price, rounded up to a whole micro-dollar
// (a budget never undercounts by rounding).
import type { ModelConfig } from "../config/schema.ts";

export type Price = NonNullable<ModelConfig["price"]>;

export const MICROS_PER_USD = 1_000_000;

export interface Tokens {
  readonly prompt: number;
  readonly completion: number;
}

export function costMicros(price: Price, tokens: Tokens): number {
  const exact = tokens.prompt * price.input_per_mtok + tokens.completion * price.output_per_mtok;
  // The epsilon absorbs binary float error (0.15 x 20 = 3.0000000000000004).
  return Math.max(0, Math.ceil(exact - 1e-6));
}

export const toMicros = (usd: number): number => Math.round(usd * MICROS_PER_USD);

export const toUsd = (micros: number): number => micros / MICROS_PER_USD;

/** The header and JSON form: dollars with six decimals, never negative. */
export const formatUsd = (micros: number): string => toUsd(Math.max(0, micros)).toFixed(6);
