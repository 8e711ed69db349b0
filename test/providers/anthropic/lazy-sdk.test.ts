// The SDK's 248 files load on the first translated call, not when the adapter is imported or
// built: the native lane and a start with no translated traffic never pay for them.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const adapter = fileURLToPath(new URL("../../../src/providers/anthropic/index.ts", import.meta.url));

// A fresh process, since this one may have the SDK loaded already.
const script = `
import { registerHooks } from "node:module";
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const { createAnthropicAdapter } = await import(${JSON.stringify(adapter)});
const provider = createAnthropicAdapter("anthropic", { type: "anthropic", api_key: "k", base_url: "http://127.0.0.1:9" });
await provider.close();
console.log(JSON.stringify(loaded.filter((url) => url.includes("@anthropic-ai/sdk"))));
`;

describe("anthropic adapter start", () => {
  it("loads only the SDK's error classes until a translated call", () => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const sdkFiles = JSON.parse(out) as string[];
    expect(sdkFiles.every((url) => /\/@anthropic-ai\/sdk\/(core|internal)\/errors?\.mjs$/.test(url))).toBe(true);
    expect(sdkFiles.length).toBeLessThan(5);
  });
});
