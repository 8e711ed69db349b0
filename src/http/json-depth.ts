// How deeply a parsed JSON body nests, checked once in one pass. JSON.parse copes with any
// depth, but every recursive walk after it (serialising upstream bodies, converting schemas,
// hashing) would overflow the stack, so bodies deeper than the limit are refused at the door
// instead of guarding each walk.

/** Object and array levels a request body may nest, the body itself being level 1. */
export const MAX_JSON_DEPTH = 64;

/**
 * The top-level field under which `value` nests deeper than `limit` (`null` when the body
 * itself is the culprit, e.g. a bare array), or undefined when it stays within the limit.
 * Of several such fields, the last.
 */
export function fieldNestedTooDeep(value: unknown, limit = MAX_JSON_DEPTH): string | null | undefined {
  if (!isContainer(value)) return undefined;
  if (limit < 1) return null;
  if (Array.isArray(value)) return deeperThan(value, 1, limit) ? null : undefined;
  const fields = Object.keys(value);
  for (let i = fields.length - 1; i >= 0; i -= 1) {
    const field = fields[i] as string;
    const child = (value as Record<string, unknown>)[field];
    if (isContainer(child) && deeperThan(child, 2, limit)) return field;
  }
  return undefined;
}

/**
 * Whether a container at level `depth` holds anything beyond `limit`. Recursive, without
 * per-entry allocations (this runs on every request): the recursion stops one level past
 * `limit`, so the stack it takes is bounded whatever the body.
 */
function deeperThan(value: object, depth: number, limit: number): boolean {
  if (depth > limit) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const child: unknown = value[i];
      if (isContainer(child) && deeperThan(child, depth + 1, limit)) return true;
    }
    return false;
  }
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (isContainer(child) && deeperThan(child, depth + 1, limit)) return true;
  }
  return false;
}

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null;
