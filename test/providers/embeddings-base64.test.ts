// Base64 vectors are checked without a regular expression over every character on the usual
// path; what the check accepts must stay exactly what the standard alphabet allows.
import { describe, expect, it } from "vitest";
import { checkEmbeddings } from "../../src/providers/embeddings-check.ts";

const ok = (vector: string) => () => checkEmbeddings({ model: "emb", input: "a" }, { embeddings: [vector], usage: undefined }, "up");
const base64Of = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString("base64");

describe("base64 vectors", () => {
  const valid = base64Of([0.5, -2, 3.25]); // 12 bytes: no padding
  const padded = base64Of([0.5, 1]); // 8 bytes: one `=`

  it("accepts canonical base64, padded or not", () => {
    expect(ok(valid)).not.toThrow();
    expect(ok(padded)).not.toThrow();
    expect(padded.endsWith("=")).toBe(true);
  });

  it("accepts non-canonical trailing bits, as the alphabet allows", () => {
    // The last character before `=` carries 2 unused bits; setting them changes no byte.
    const last = padded.at(-2) as string;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const loose = `${padded.slice(0, -2)}${alphabet[alphabet.indexOf(last) | 3] as string}=`;
    expect(loose).not.toBe(padded);
    expect(ok(loose)).not.toThrow();
  });

  it.each([
    ["URL-safe characters", valid.replace(/[A-Za-z]/, "-")],
    ["an underscore", valid.replace(/[A-Za-z]/, "_")],
    ["white space inside", `${valid.slice(0, 4)} ${valid.slice(5)}`],
    ["a line break inside", `${valid.slice(0, 8)}\n${valid.slice(9)}`],
    ["padding in the middle", `${valid.slice(0, 3)}=${valid.slice(4)}`],
    ["three padding characters", `${valid.slice(0, -3)}===`],
    ["a non-ASCII letter", `${valid.slice(0, 2)}é${valid.slice(3)}`],
  ])("refuses %s", (_what, vector) => {
    expect(ok(vector)).toThrow(/not base64 of float32/);
  });

  it("refuses NaN and infinities anywhere in the vector", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(ok(base64Of([1, 2, bad]))).toThrow(/not base64 of float32/);
      expect(ok(base64Of([bad, 1]))).toThrow(/not base64 of float32/);
    }
    expect(ok(base64Of([3.4e38, -3.4e38, 1e-45]))).not.toThrow();
  });

  it("accepts exactly what the standard alphabet allows, on 5,000 random short texts of any length", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/+/====-_ \né.";
    let seed = 11;
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed % n);
    const wrong: string[] = [];
    for (let round = 0; round < 5_000; round++) {
      // Mostly valid base64 with a few characters changed, so both answers come up often.
      let text = Buffer.from(Array.from({ length: 4 * (1 + next(6)) }, () => next(256))).toString("base64");
      for (let edits = next(3); edits > 0; edits--) {
        const at = next(text.length + 1);
        text = text.slice(0, at) + (alphabet[next(alphabet.length)] as string) + text.slice(at + next(2));
      }
      const bytes = Buffer.from(text, "base64");
      const words = Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => bytes.readFloatLE(i * 4));
      const valid = text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text) && bytes.length % 4 === 0 && words.every(Number.isFinite);
      let accepted = true;
      try {
        ok(text)();
      } catch (error) {
        expect((error as Error).message).toMatch(/vector 0 is (not base64 of float32|empty)/);
        accepted = false;
      }
      if (accepted !== valid) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });

  it("tells finite from NaN and infinities for every kind of bit pattern, wherever it sits", () => {
    let seed = 7;
    const word = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
    const exponents = [0, 1, 0x7f, 0xfe, 0xff];
    for (let round = 0; round < 2_000; round++) {
      const bytes = Buffer.from(new Float32Array([1, 2, 3, 4, 5]).buffer);
      // Random sign and mantissa, an exponent from the edges of the range.
      const bits = (word() & 0x807fffff) | ((exponents[round % exponents.length] as number) << 23);
      bytes.writeUInt32LE(bits >>> 0, 4 * (round % 5));
      const finite = Number.isFinite(bytes.readFloatLE(4 * (round % 5)));
      const vector = bytes.toString("base64");
      if (finite) expect(ok(vector)).not.toThrow();
      else expect(ok(vector)).toThrow(/not base64 of float32/);
    }
  });
});
