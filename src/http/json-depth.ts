// How deeply a parsed JSON body nests, checked once in one iterative pass. JSON.parse copes
// with any depth, but every recursive walk after it (serialising upstream bodies, converting
// schemas, hashing) would overflow the stack, so bodies deeper than the limit are refused at
// the door instead of guarding each walk.

/** Object and array levels a request body may nest, the body itself being level 1. */
export const MAX_JSON_DEPTH = 64;

/**
 * The top-level field under which `value` nests deeper than `limit` (`null` when the body
 * itself is the culprit, e.g. a bare array), or undefined when it stays within the limit.
 */
export function fieldNestedTooDeep(value: unknown, limit = MAX_JSON_DEPTH): string | null | undefined {
  if (!isContainer(value)) return undefined;
  // Parallel stacks rather than one object per entry: this runs on every request.
  const values: object[] = [value];
  const depths: number[] = [1];
  const fields: (string | null)[] = [null];
  while (values.length > 0) {
    const current = values.pop() as object;
    const depth = depths.pop() as number;
    const field = fields.pop() as string | null;
    if (depth > limit) return field;
    const topLevel = depth === 1 && !Array.isArray(current);
    for (const [key, child] of Object.entries(current)) {
      if (!isContainer(child)) continue;
      values.push(child);
      depths.push(depth + 1);
      fields.push(topLevel ? key : field);
    }
  }
  return undefined;
}

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null;
