// The hand-written access line must be exactly JSON.stringify's text of the same fields: log
// readers parse it, and any difference (an escape, a number's form, a field's order or
// presence) would change what they see.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accessLineMembers, jsonString, type AccessLine } from "../../src/telemetry/access-line.ts";

/** Code units that JSON treats specially, mixed with any other UTF-16 unit (lone surrogates included). */
const unit = fc.oneof(
  fc.constantFrom('"', "\\", "/", "\u0000", "\u0008", "\t", "\n", "\r", "\u001f", "\u007f", "\u2028", "\u2029", "\ud800", "\udbff", "\udc00", "\udfff", "\ufeff", "é"),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom("a", "Z", "0", " ", "\ud83d\ude00"),
);
const text = fc.string({ unit, maxLength: 24 });
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 1e-7, 0.1 + 0.2));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const orNull = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
/** Bodies: any JSON value, and what JSON.stringify drops or rewrites (undefined members, functions). */
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue(),
  fc.array(fc.record({ role: text, content: fc.oneof(text, fc.constant(undefined)) })),
  fc.constant(() => 1),
);

const line: fc.Arbitrary<AccessLine> = fc.record({
  requestId: text,
  method: text,
  path: text,
  api: orNull(text),
  status: number,
  outcome: text,
  latencyMs: maybe(number),
  keyName: orNull(text),
  session: maybe(text),
  model: maybe(text),
  servedModel: maybe(text),
  route: orNull(text),
  sensitivity: maybe(text),
  complexity: maybe(text),
  provider: orNull(text),
  upstreamModel: orNull(text),
  fallbacks: orNull(number),
  stream: maybe(fc.boolean()),
  cache: maybe(text),
  ttftMs: orNull(number),
  upstreamMs: maybe(number),
  overheadMs: maybe(number),
  promptTokens: orNull(number),
  completionTokens: orNull(number),
  costUsd: orNull(number),
  warnings: maybe(fc.array(text, { maxLength: 3 })),
  error: maybe(text),
  streamError: maybe(text),
  messages: body,
  input: body,
  completion: maybe(text),
});

describe("accessLineMembers", () => {
  it("writes exactly JSON.stringify's text of the same line", () => {
    fc.assert(
      fc.property(line, (l) => {
        const members = accessLineMembers(l);
        expect(members.startsWith(",")).toBe(true);
        expect(`{${members.slice(1)}}`).toBe(JSON.stringify(l));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps nulls, leaves out undefined fields and keeps the order", () => {
    const l: AccessLine = {
      requestId: "r1", method: "POST", path: "/v1/chat/completions", api: null, status: 200, outcome: "ok", latencyMs: undefined,
      keyName: null, session: undefined, model: "m", servedModel: undefined, route: null, sensitivity: undefined, complexity: undefined,
      provider: null, upstreamModel: null, fallbacks: null, stream: false, cache: undefined, ttftMs: null, upstreamMs: undefined,
      overheadMs: 1.5, promptTokens: null, completionTokens: null, costUsd: null, warnings: [], error: undefined, streamError: undefined,
      messages: undefined, input: undefined, completion: undefined,
    };
    expect(accessLineMembers(l)).toBe(
      ',"requestId":"r1","method":"POST","path":"/v1/chat/completions","api":null,"status":200,"outcome":"ok","keyName":null,"model":"m",' +
        '"route":null,"provider":null,"upstreamModel":null,"fallbacks":null,"stream":false,"ttftMs":null,"overheadMs":1.5,' +
        '"promptTokens":null,"completionTokens":null,"costUsd":null,"warnings":[]',
    );
  });
});

describe("jsonString", () => {
  it("escapes as JSON.stringify does, lone surrogates and controls included", () => {
    fc.assert(fc.property(fc.string({ unit, maxLength: 64 }), (s) => {
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }), { numRuns: 5000 });
    for (const s of ["", '"', "\\", "\u2028", "\ud800", "a\udc00b", "\ud83d\ude00", "\u0000\u001f\u007f"]) expect(jsonString(s)).toBe(JSON.stringify(s));
  });
});
