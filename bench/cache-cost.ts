// What the response cache itself adds to one request, in CPU µs, apart from the HTTP and
// upstream work around it: `node bench/cache-cost.ts`. A miss (`Cache-Control: no-cache`, as the
// cache scenario sends: policy, key, the upstream's JSON folded into an entry and stored) and a
// hit (policy, key, lookup, and the JSON body the chat door sends for it), for the bench's chat body and a long
// agent prompt. The loaded benchmark on a shared machine cannot resolve a few µs; this can.
// Prints a table (the least of five runs); nothing is asserted.
import { join } from "node:path";
import { createResponseCache } from "../src/cache/response-cache.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { chatOperation } from "../src/pipeline/operations/chat.ts";
import type { ChatRequest, ChatResult } from "../src/providers/types.ts";
import { createRouter } from "../src/routing/router.ts";
import { CACHED_MODEL } from "./harness/requests.ts";

const root = join(import.meta.dirname, "..");
const config = await loadConfigFile(join(root, "bench", "gateway.yaml"), {});
const router = createRouter(config);
const key = [...(config.keys?.values() ?? [])].find((k) => k.name === "bench");
const cache = createResponseCache({ ...config.raw.cache }, { events: { hit: () => undefined, miss: () => undefined }, onStoreError: () => undefined });

const answer = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there, how are you today?", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 18, completion_tokens: 8, total_tokens: 26 },
});
const prose = "The quarterly report covers revenue, churn and the roadmap for the next two releases. ";

const bodies: Record<string, ChatRequest> = {
  "bench chat body": {
    model: CACHED_MODEL,
    messages: [
      { role: "system", content: "You are a terse assistant." },
      { role: "user", content: "Say hello in five words." },
    ],
    max_tokens: 64,
  },
  "agent prompt, 60 kB, 40 messages": {
    model: CACHED_MODEL,
    messages: Array.from({ length: 40 }, (_, i) => ({ role: i % 2 === 0 ? ("user" as const) : ("assistant" as const), content: prose.repeat(18) })),
    max_tokens: 1024,
  },
};

const adapters = new Map<string, never>();
const signal = new AbortController().signal;
const served = { fallbacks: 0, warnings: [] };

/** Routing is not the cache's work: decided once per body. */
const decisions = new Map(Object.values(bodies).map((req) => [req, router.decide({ req, key, headers: {} })]));

async function once(req: ChatRequest, headers: Record<string, string>): Promise<void> {
  const decision = decisions.get(req);
  if (decision === undefined) throw new Error("no routing decision for this body");
  const ticket = await cache.open(chatOperation, { req, api: "chat", decision, keyName: "bench", headers, signal, adapters });
  if (!ticket) return;
  if (ticket.hit) {
    // The bytes the chat door sends for it: a completion is serialised, a ready body joined.
    const hit = ticket.hit.result;
    if (hit.kind === "completion") Buffer.byteLength(JSON.stringify(hit.completion));
    else if (hit.kind === "passthrough" && Array.isArray(hit.body)) Buffer.concat(hit.body as readonly Uint8Array[]);
    return;
  }
  const result: ChatResult = { kind: "passthrough", status: 200, headers: {}, body: [Buffer.from(answer)], usage: Promise.resolve(undefined) };
  ticket.store(result, served);
}

async function cpuPerCall(req: ChatRequest, headers: Record<string, string>, calls: number): Promise<number> {
  for (let i = 0; i < 2_000; i++) await once(req, headers);
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await once(req, headers);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

console.log("| request | miss (no-cache) µs | hit µs |\n|---|---:|---:|");
for (const [name, req] of Object.entries(bodies)) {
  const calls = name.startsWith("bench") ? 20_000 : 2_000;
  // The least of five runs: other work on the machine only ever adds.
  let miss = Infinity;
  let hit = Infinity;
  for (let run = 0; run < 5; run++) {
    miss = Math.min(miss, await cpuPerCall(req, { "cache-control": "no-cache" }, calls));
    hit = Math.min(hit, await cpuPerCall(req, {}, calls));
  }
  console.log(`| ${name} | ${miss.toFixed(1)} | ${hit.toFixed(1)} |`);
}
await cache.close();
