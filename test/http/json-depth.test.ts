// The body depth check: which top-level field nests too deep, arrays and objects alike.
import { describe, expect, it } from "vitest";
import { fieldNestedTooDeep, MAX_JSON_DEPTH } from "../../src/http/json-depth.ts";

/** `depth` levels of objects, the outermost included. */
const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`);
/** `depth` levels of arrays. */
const arrays = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);

describe("fieldNestedTooDeep", () => {
  it("lets a body exactly at the limit through, counting the body as level 1", () => {
    expect(fieldNestedTooDeep({ model: "m", deep: nested(MAX_JSON_DEPTH - 1) })).toBeUndefined();
    expect(fieldNestedTooDeep({ deep: [1, "x", { a: arrays(MAX_JSON_DEPTH - 3) }] })).toBeUndefined();
  });

  it("names the top-level field that goes one level further, through arrays and objects", () => {
    expect(fieldNestedTooDeep({ model: "m", deep: nested(MAX_JSON_DEPTH) })).toBe("deep");
    expect(fieldNestedTooDeep({ deep: [1, "x", { a: arrays(MAX_JSON_DEPTH - 2) }] })).toBe("deep");
  });

  it("names the last of several fields too deep", () => {
    expect(fieldNestedTooDeep({ first: nested(5000), fine: nested(3), last: arrays(100) })).toBe("last");
  });

  it("answers null when the body itself is the culprit, and undefined for a scalar", () => {
    expect(fieldNestedTooDeep(arrays(MAX_JSON_DEPTH + 1))).toBeNull();
    expect(fieldNestedTooDeep(arrays(MAX_JSON_DEPTH))).toBeUndefined();
    expect(fieldNestedTooDeep({ a: { b: {} } }, 2)).toBe("a");
    expect(fieldNestedTooDeep("text")).toBeUndefined();
  });
});
