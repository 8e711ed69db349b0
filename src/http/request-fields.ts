// Typed reads of one field of a JSON request object: a wrong type is a 400 naming the field's
// full path (the OpenAI envelope's `param`), so no later code meets a shape it did not expect.
import { invalidRequest } from "./errors.ts";

export type Json = Record<string, unknown>;

/**
 * Whether the field must be there. `optional` fields may also be null (read as absent, as
 * OpenAI's API does for its optional parameters); `nonNull` ones may be absent but not null.
 */
export type Presence = "optional" | "nonNull" | "required";

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `at.key`, or `key` at the top level. */
export const pathOf = (at: string, key: string | number): string =>
  typeof key === "number" ? `${at}[${key}]` : at === "" ? key : `${at}.${key}`;

function present(obj: Json, key: string, at: string, presence: Presence, what: string): unknown {
  const value = obj[key];
  if (value === undefined || (value === null && presence === "optional")) {
    if (presence === "required") throw invalidRequest(`${pathOf(at, key)} is required`, pathOf(at, key), "missing_required_parameter");
    return undefined;
  }
  if (value === null) throw invalidRequest(`${pathOf(at, key)} must be ${what}, not null`, pathOf(at, key));
  return value;
}

function wrong(at: string, key: string, what: string): Error {
  return invalidRequest(`${pathOf(at, key)} must be ${what}`, pathOf(at, key));
}

export function stringField(obj: Json, key: string, at = "", presence: Presence = "optional"): string | undefined {
  const value = present(obj, key, at, presence, "a string");
  if (value !== undefined && typeof value !== "string") throw wrong(at, key, "a string");
  return value;
}

/** A string from a fixed set (only where the gateway itself branches on the value). */
export function enumField<T extends string>(obj: Json, key: string, at: string, allowed: readonly T[], presence: Presence = "optional"): T | undefined {
  const value = present(obj, key, at, presence, `one of ${allowed.join(", ")}`);
  if (value !== undefined && !allowed.includes(value as T)) throw wrong(at, key, `one of ${allowed.join(", ")}`);
  return value as T | undefined;
}

export function booleanField(obj: Json, key: string, at = "", presence: Presence = "optional"): boolean | undefined {
  const value = present(obj, key, at, presence, "a boolean");
  if (value !== undefined && typeof value !== "boolean") throw wrong(at, key, "a boolean");
  return value;
}

export interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function numberField(obj: Json, key: string, at = "", range: NumberRange = {}, presence: Presence = "optional"): number | undefined {
  const { min = -Infinity, max = Infinity, integer = false } = range;
  const kind = integer ? "an integer" : "a number";
  const bounds = Number.isFinite(min) && Number.isFinite(max) ? ` between ${min} and ${max}` : Number.isFinite(min) ? ` of at least ${min}` : "";
  const value = present(obj, key, at, presence, kind);
  if (value === undefined) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= min && value <= max;
  if (!ok) throw wrong(at, key, `${kind}${bounds}`);
  return value;
}

export function objectField(obj: Json, key: string, at = "", presence: Presence = "optional"): Json | undefined {
  const value = present(obj, key, at, presence, "an object");
  if (value !== undefined && !isObject(value)) throw wrong(at, key, "an object");
  return value;
}

export function arrayField(obj: Json, key: string, at = "", presence: Presence = "optional", minItems = 0): unknown[] | undefined {
  const value = present(obj, key, at, presence, "an array");
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw wrong(at, key, "an array");
  const items: unknown[] = value;
  if (items.length < minItems) throw wrong(at, key, `an array of at least ${minItems} item${minItems === 1 ? "" : "s"}`);
  return items;
}

/** Each item of an array field as an object, with its path. */
export function objectItems(items: readonly unknown[], at: string): [Json, string][] {
  return items.map((item, i) => {
    const path = pathOf(at, i);
    if (!isObject(item)) throw invalidRequest(`${path} must be an object`, path);
    return [item, path];
  });
}
