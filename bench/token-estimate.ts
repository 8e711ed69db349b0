// How much the prompt token estimate costs per request, next to tokenizing everything
// exactly: `node bench/token-estimate.ts`. Prints timings; nothing is asserted.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { estimatePromptTokens } from "../src/limits/tokens.ts";

const root = join(import.meta.dirname, "..");
const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".ts"))
  .map((file) => readFileSync(join(root, "src", file), "utf8"));
sources.push(readFileSync(join(root, "package-lock.json"), "utf8"));

function body(chars: number): string {
  let text = "";
  while (text.length < chars) for (const source of sources) text += source;
  return text.slice(0, chars);
}

function time(label: string, runs: number, fn: () => number): void {
  fn(); // warm up
  const started = performance.now();
  let result = 0;
  for (let i = 0; i < runs; i += 1) result = fn();
  const perRun = (performance.now() - started) / runs;
  console.log(`${label.padEnd(44)} ${perRun.toFixed(2).padStart(8)} ms/request  (${result} tokens)`);
}

for (const chars of [2_000, 20_000, 100_000, 420_000]) {
  const text = body(chars);
  const request = { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: text }] };
  const runs = chars > 100_000 ? 10 : 50;
  time(`estimate, gpt-4o, ${chars} chars`, runs, () => estimatePromptTokens(request, "gpt-4o"));
  time(`estimate, claude, ${chars} chars`, runs, () => estimatePromptTokens(request, "claude-sonnet-4-5"));
  time(`exact tokenizer, ${chars} chars`, Math.min(runs, 10), () => countTokens(text, { disallowedSpecial: new Set() }));
}
