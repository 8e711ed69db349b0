// The entry key's hash: gathering short pieces into one call must give exactly the digest of
// hashing every piece in turn (entries stored before stay reachable), long texts included,
// and a copy must go on independently of the hash it was taken from.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyHash, scopedHash, sharedKey, writeFields } from "../../src/cache/key.ts";

const pieces = (count: number, length: (i: number) => number) => Array.from({ length: count }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(length(i)));

function reference(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function keyHash(parts: readonly string[]): string {
  const hash = new KeyHash();
  for (const part of parts) hash.update(part);
  return hash.digest();
}

describe("KeyHash", () => {
  it("digests short, long and multi-byte pieces exactly as hashing each in turn", () => {
    const cases = [
      [],
      ["one short piece"],
      pieces(40, () => 7),
      pieces(5, (i) => (i % 2 === 0 ? 10 : 9_000)),
      pieces(30, () => 3_000),
      ["é😀".repeat(2_000), "s4:", "ü", "😀".repeat(5)],
    ];
    for (const parts of cases) expect(keyHash(parts)).toBe(reference(parts));
  });

  it("copies a shared prefix: each copy digests the prefix plus its own pieces", () => {
    const prefix = ["scope", "x".repeat(5_000), "fields"];
    const shared = new KeyHash();
    for (const part of prefix) shared.update(part);
    const first = shared.copy();
    const second = shared.copy();
    first.update("input one");
    second.update("y".repeat(6_000));
    expect(first.digest()).toBe(reference([...prefix, "input one"]));
    expect(second.digest()).toBe(reference([...prefix, "y".repeat(6_000)]));
  });

  it("keys a request the same whatever its object key order, and differently when a value changes", () => {
    const key = (body: Record<string, unknown>) => {
      const hash = scopedHash({ operation: "chat", namespace: "team", sensitivity: "internal", publicModel: "m" });
      writeFields(hash, body, new Set());
      return hash.digest();
    };
    const a = key({ messages: [{ role: "user", content: "hi" }], temperature: 0.2, tools: [{ type: "function", function: { name: "f", parameters: { b: 1, a: 2 } } }] });
    const b = key({ tools: [{ function: { parameters: { a: 2, b: 1 }, name: "f" }, type: "function" }], temperature: 0.2, messages: [{ content: "hi", role: "user" }] });
    const c = key({ messages: [{ role: "user", content: "hi" }], temperature: 0.3, tools: [{ type: "function", function: { name: "f", parameters: { b: 1, a: 2 } } }] });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("keeps the serialisation keys were made of (entries stored before stay reachable)", () => {
    const hash = scopedHash({ operation: "chat", namespace: "team", sensitivity: "internal", publicModel: "m" });
    writeFields(hash, { stream: true, b: "x", a: [1.5, true, null, { z: false, y: undefined }], long: "é".repeat(5_000) }, new Set(["stream"]));
    const written = ["s13:llmgw-cache-1", "s4:chat", "s4:team", "s8:internal", "s1:m", "{", "s1:a", "a4[", "d1.5;", "t", "n", "{", "s1:z", "f", "}", "]", "s1:b", "s1:x", "s4:long", `s5000:${"é".repeat(5_000)}`, "}"];
    expect(hash.digest()).toBe(reference(written));
  });

  it("keys a short request by its canonical text in process and by the digest of that text in Redis; a long one by the digest", () => {
    const keyed = (content: string) => {
      const hash = scopedHash({ operation: "chat", namespace: "team", sensitivity: "internal", publicModel: "m" });
      writeFields(hash, { messages: [{ role: "user", content }] }, new Set());
      return { key: hash.copy().key(), digest: hash.digest() };
    };
    const short = keyed("hi");
    expect(short.key).not.toBe(short.digest);
    expect(sharedKey(short.key)).toBe(short.digest);
    for (const long of [keyed("x".repeat(600)), keyed("y".repeat(5_000))]) {
      expect(long.key).toBe(long.digest);
      expect(sharedKey(long.key)).toBe(long.digest);
    }
  });
});
