// How much the prompt token estimate costs per request, next to tokenizing everything
// exactly, then on texts built to be slow for the tokenizer (the work bound itself is asserted in
// test/limits/token-work.test.ts): `node bench/token-estimate.ts`. Prints timings only.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { estimatePromptTokens, loadTokenizer } from "../src/limits/tokens.ts";

await loadTokenizer(); // otherwise OpenAI models are counted with the approximation

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

// Texts chosen to be expensive for a tokenizer: one long "word" (quadratic merging), or words
// it has never seen (no vocabulary or cache hits). Each run gets fresh random text, so nothing
// is cached between runs. Reported: the median and the worst of the runs.
let seed = 1;
function random(below: number): number {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed % below;
}
function randomChars(from: number, to: number, length: number): string {
  let text = "";
  while (text.length < length) text += String.fromCodePoint(from + random(to - from));
  return text;
}
function randomWords(from: number, to: number, wordLength: number, length: number): string {
  let text = "";
  while (text.length < length) text += randomChars(from, to, wordLength) + " ";
  return text.slice(0, length);
}

const adversarial: Record<string, (chars: number) => string> = {
  "one Devanagari word": (n) => randomChars(0x915, 0x939, n),
  "one Thai word": (n) => randomChars(0xe01, 0xe2e, n),
  "one Hiragana word": (n) => randomChars(0x3041, 0x3096, n),
  "zero-width spaces": (n) => "\u200b".repeat(n - 1) + randomChars(0x21, 0x7e, 1),
  "one letter repeated": (n) => randomChars(0x61, 0x7a, 1).repeat(n),
  "random BMP letters": (n) => randomChars(0x100, 0x2fff, n),
  "random 5-letter Devanagari words": (n) => randomWords(0x915, 0x939, 5, n),
  "random 6-letter Latin words": (n) => randomWords(0x61, 0x7b, 6, n),
};

for (const chars of [23_000, 200_000]) {
  for (const [label, make] of Object.entries(adversarial)) {
    // CPU time of this thread rather than wall time: other processes share the machine.
    // The clock only ticks every few ms, so CPU time is summed over the runs.
    const runs = 10;
    // Through JSON, as the gateway gets them: a string built by += is a rope, slow to read once.
    const requests = Array.from({ length: runs }, () =>
      JSON.parse(JSON.stringify({ messages: [{ role: "user", content: make(chars) }] })) as { messages: unknown[] },
    );
    let tokens = 0;
    let slowest = 0;
    const cpu = process.threadCpuUsage();
    for (const request of requests) {
      const started = performance.now();
      tokens = estimatePromptTokens(request, "gpt-4o");
      slowest = Math.max(slowest, performance.now() - started);
    }
    const used = process.threadCpuUsage(cpu);
    const perRun = (used.user + used.system) / 1_000 / runs;
    const label2 = `estimate, ${label}, ${chars} chars`;
    console.log(`${label2.padEnd(56)} ${perRun.toFixed(2).padStart(8)} ms CPU/request ${slowest.toFixed(2).padStart(8)} ms slowest wall  (${tokens} tokens)`);
  }
}
