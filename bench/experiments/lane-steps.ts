// CPU time of the lane-specific steps, in-process, best of 5: the embeddings answer check and
// body (this build against another, BENCH_BASELINE_DIST, when given), routing's measure of a
// Messages body (the chat translation measured, as before, against the door's own measure), and
// the native lanes' upstream body (serialised again, against the client's text spliced).
//
//   npm run build && BENCH_BASELINE_DIST=<old dist/ copy> node bench/experiments/lane-steps.ts
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkEmbeddings } from "../../src/providers/embeddings-check.ts";
import { embeddingsJson } from "../../src/dialects/openai-embeddings/reply.ts";
import { messagesFeatures } from "../../src/dialects/anthropic-messages/features.ts";
import { toChat } from "../../src/dialects/anthropic-messages/to-chat.ts";
import { measure } from "../../src/routing/features.ts";
import { rememberSource, stringifyWith } from "../../src/json/source-text.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../src/providers/types.ts";

type Check = typeof checkEmbeddings;

function time(name: string, fn: () => unknown, n: number): void {
  for (let i = 0; i < 200; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / n);
  }
  console.log(`${name.padEnd(56)} ${best.toFixed(1)} µs`);
}

const vectors = Array.from({ length: 8 }, (_, k) => {
  const values = new Float32Array(1536);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i + k);
  return Buffer.from(values.buffer).toString("base64");
});
const req: EmbeddingsRequest = { model: "text-embedding-3-small", input: vectors.map((_, i) => `passage ${i}`), encoding_format: "base64" };
const usage = { prompt_tokens: 300, total_tokens: 300 };
const result: EmbeddingsResult = { embeddings: vectors, usage };
/** The answer as the door wrote it before: JSON.stringify of the whole object. */
const stringified = () => JSON.stringify({ object: "list", data: result.embeddings.map((embedding, index) => ({ object: "embedding", index, embedding })), model: req.model, usage: result.usage });

const baseline = process.env["BENCH_BASELINE_DIST"];
if (baseline !== undefined) {
  const old = (await import(pathToFileURL(resolve(baseline, "providers/embeddings-check.js")).href)) as { checkEmbeddings: Check };
  time("embeddings check + body, baseline build", () => (old.checkEmbeddings(req, result, "p"), Buffer.byteLength(stringified())), 1000);
}
time("embeddings check + body, this build", () => (checkEmbeddings(req, result, "p"), Buffer.byteLength(embeddingsJson(result, "base64", req.model, usage))), 1000);

const paragraph = "the team will review every open item before the next release ".repeat(40);
const messages: unknown[] = [];
for (let i = 0; i < 60; i++) {
  messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: `t${i}`, content: [{ type: "text", text: `${paragraph}${i}` }] }] });
  messages.push({ role: "assistant", content: [{ type: "text", text: paragraph.slice(0, 300) }, { type: "tool_use", id: `t${i + 1}`, name: "Read", input: { file_path: `/src/f${i}.ts` } }] });
}
const tools = Array.from({ length: 20 }, (_, i) => ({ name: `Tool${i}`, description: paragraph.slice(0, 800), input_schema: { type: "object" } }));
const agent = { model: "claude-sonnet-4-6", max_tokens: 32000, system: [{ type: "text", text: paragraph.repeat(10) }], messages, tools };
const small = { model: "claude-sonnet-4-6", max_tokens: 64, system: "You are a terse assistant.", messages: [{ role: "user", content: "Say hello in five words." }] };
console.log(`Messages bodies: ${JSON.stringify(agent).length} and ${JSON.stringify(small).length} bytes`);
time("routing measure, agent body: translation + measure", () => measure(toChat(agent).chat), 100);
time("routing measure, agent body: messagesFeatures", () => messagesFeatures(agent), 100);
time("routing measure, bench body: translation + measure", () => measure(toChat(small).chat), 20_000);
time("routing measure, bench body: messagesFeatures", () => messagesFeatures(small), 20_000);

// The native lanes' upstream body with the model set: serialised again, or the client's text spliced (checked to read one way).
const agentText = JSON.stringify(agent, null, 1);
const agentParsed = JSON.parse(agentText) as Record<string, unknown>;
rememberSource(agentParsed, agentText);
time("native body, agent body: JSON.stringify of the spread", () => JSON.stringify({ ...agentParsed, model: "claude-sonnet-4-6-20261001" }), 100);
time("native body, agent body: stringifyWith", () => stringifyWith(agentParsed, { model: "claude-sonnet-4-6-20261001" }), 100);
