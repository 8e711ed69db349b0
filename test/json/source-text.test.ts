import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rememberSource, SPLICE_MIN_CHARS, stringifyWith } from "../../src/json/source-text.ts";

/** Parses `text` the way the body reader does, keeping its source. */
function parsed(text: string): Record<string, unknown> {
  const value = JSON.parse(text) as Record<string, unknown>;
  rememberSource(value, text);
  return value;
}

const padding = "x".repeat(SPLICE_MIN_CHARS);

/** JSON text of `value` with arbitrary whitespace between tokens, as clients may send it. */
function spaced(value: unknown, space: () => string): string {
  if (Array.isArray(value)) return `[${space()}${value.map((v) => spaced(v, space)).join(`${space()},${space()}`)}${space()}]`;
  if (typeof value === "object" && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${space()}:${space()}${spaced(v, space)}`);
    return `{${space()}${fields.join(`${space()},${space()}`)}${space()}}`;
  }
  return JSON.stringify(value);
}

describe("stringifyWith", () => {
  it("splices changed top-level fields into a large body's text, in place, and keeps every other byte", () => {
    const text = `{ "model" : "auto",\n "messages": [{"role":"user","content":"say \\"hi\\" \\\\ ${padding}"}], "n": 1.0 }`;
    const out = stringifyWith(parsed(text), { model: "gpt-4o-mini" });
    expect(out).toBe(text.replace('"auto"', '"gpt-4o-mini"'));
  });

  it("puts a new field last, as a spread would", () => {
    const text = `{"model":"m","messages":[],"stream":true,"pad":"${padding}"}`;
    const out = stringifyWith(parsed(text), { model: "x", stream_options: { include_usage: true } });
    expect(Object.keys(JSON.parse(out) as object)).toEqual(["model", "messages", "stream", "pad", "stream_options"]);
    expect(JSON.parse(out)).toEqual({ model: "x", messages: [], stream: true, pad: padding, stream_options: { include_usage: true } });
  });

  it("serialises small bodies, bodies without a source, and bodies with a repeated changed field", () => {
    const small = parsed(`{ "model" : "a" }`);
    expect(stringifyWith(small, { model: "b" })).toBe(`{"model":"b"}`);
    expect(stringifyWith({ model: "a", x: padding }, { model: "b" })).toBe(JSON.stringify({ model: "b", x: padding }));
    const repeated = parsed(`{"model":"a","pad":"${padding}","model":"c"}`);
    expect(stringifyWith(repeated, { model: "b" })).toBe(JSON.stringify({ model: "b", pad: padding }));
  });

  it("parses to what serialising the spread would, for any object and any spacing", () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const space = fc.constantFrom("", " ", "\n", "\t", " \r\n ");
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), json, { maxKeys: 6 }),
        fc.array(space, { minLength: 1, maxLength: 8 }),
        fc.dictionary(fc.constantFrom("model", "stream_options", "messages", "n"), json, { minKeys: 1 }),
        (object, spaces, changes) => {
          const body = { ...object, pad: padding };
          let i = 0;
          const text = spaced(body, () => spaces[i++ % spaces.length] as string);
          const out = stringifyWith(parsed(text), changes);
          const expected = JSON.stringify({ ...(JSON.parse(text) as object), ...changes });
          expect(JSON.parse(out)).toEqual(JSON.parse(expected));
          expect(Object.keys(JSON.parse(out) as object)).toEqual(Object.keys(JSON.parse(expected) as object));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("stringifyWith, guarded", () => {
  it("splices a large body whose text reads one way, keeping every other byte", () => {
    const text = `{ "model" : "auto",\n "messages": [{"role":"user","content":[{"type":"text","text":"say \\"hi\\": ${padding}"}]}], "n": 1.0, "t": -0.25, "ok": true, "none": null }`;
    expect(stringifyWith(parsed(text), { model: "claude" })).toBe(text.replace('"auto"', '"claude"'));
  });

  it("serialises a body with a key repeated at any depth, so the upstream reads the value that was checked", () => {
    const nested = `{"model":"a","messages":[{"role":"user","content":"4111 1111 1111 1111","content":"hi"}],"pad":"${padding}"}`;
    expect(stringifyWith(parsed(nested), { model: "b" })).toBe(JSON.stringify({ ...(JSON.parse(nested) as object), model: "b" }));
    const top = `{"model":"a","messages":[{"role":"user","content":"secret"}],"pad":"${padding}","messages":[]}`;
    expect(stringifyWith(parsed(top), { model: "b" })).toBe(JSON.stringify({ model: "b", messages: [], pad: padding }));
  });

  it("serialises a body with a number a double does not hold as written", () => {
    for (const number of ["4111111111111111111", "1e400", "1.5E2", "-12345678.123456789"]) {
      const text = `{"model":"a","metadata":{"n":[${number}]},"pad":"${padding}"}`;
      expect(stringifyWith(parsed(text), { model: "b" }), number).toBe(JSON.stringify({ ...(JSON.parse(text) as object), model: "b" }));
    }
    const exact = `{"model":"a","max_tokens":123456789012345,"pad":"${padding}"}`;
    expect(stringifyWith(parsed(exact), { model: "b" })).toBe(exact.replace('"a"', '"b"'));
  });

  it("parses to what serialising the spread would, for any object and any spacing", () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const space = fc.constantFrom("", " ", "\n", "\t", " \r\n ");
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { maxKeys: 6 }), fc.array(space, { minLength: 1, maxLength: 8 }), fc.string(), (object, spaces, model) => {
        const body = { ...object, pad: padding };
        let i = 0;
        const text = spaced(body, () => spaces[i++ % spaces.length] as string);
        const out = stringifyWith(parsed(text), { model });
        const expected = JSON.stringify({ ...(JSON.parse(text) as object), model });
        expect(JSON.parse(out)).toEqual(JSON.parse(expected));
        expect(Object.keys(JSON.parse(out) as object)).toEqual(Object.keys(JSON.parse(expected) as object));
      }),
      { numRuns: 300 },
    );
  });
});
