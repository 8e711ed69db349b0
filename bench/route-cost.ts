// What routing (measure, classify with the content detectors, rules, plan) costs per request,
// with bench/gateway.yaml's rules and detector: `node bench/route-cost.ts`. Prints CPU time per
// request; nothing is asserted.
import { join } from "node:path";
import { loadConfigFile } from "../src/config/load.ts";
import type { ChatRequest } from "../src/providers/types.ts";
import { createRouter } from "../src/routing/router.ts";

const root = join(import.meta.dirname, "..");
const config = await loadConfigFile(join(root, "bench", "gateway.yaml"), {});
const router = createRouter(config);
const key = [...(config.keys?.values() ?? [])].find((k) => k.name === "bench");

const prose = "The quarterly report covers revenue, churn and the roadmap for the next two releases. ";
const text = (chars: number) => prose.repeat(Math.ceil(chars / prose.length)).slice(0, chars);

const tools = Array.from({ length: 12 }, (_, i) => ({
  type: "function",
  function: {
    name: `tool_${i}`,
    description: text(400),
    parameters: { type: "object", properties: { path: { type: "string", description: text(120) }, limit: { type: "integer" } }, required: ["path"] },
  },
}));

/** An agent's history: turns of user text, assistant tool calls and tool results, to about `chars`. */
function agentHistory(chars: number): unknown[] {
  const messages: unknown[] = [{ role: "system", content: text(4_000) }];
  let size = 4_000;
  for (let turn = 0; size < chars; turn += 1) {
    const args = JSON.stringify({ path: `src/file_${turn}.ts`, limit: 200, note: text(200) });
    messages.push(
      { role: "user", content: [{ type: "text", text: text(600) }, { type: "text", text: text(200) }] },
      { role: "assistant", content: null, tool_calls: [{ id: `call_${turn}`, type: "function", function: { name: "tool_1", arguments: args } }] },
      { role: "tool", tool_call_id: `call_${turn}`, content: text(3_000) },
    );
    size += 800 + args.length + 3_000;
  }
  return messages;
}

const requests: Record<string, unknown> = {
  "typical chat (1.2k chars)": {
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: text(1_200) }],
    max_tokens: 256,
  },
  "typical agent turn (30k chars, 12 tools)": { model: "gpt-4o-mini", messages: agentHistory(30_000), tools },
  "100k tokens, one message (400k chars)": { model: "gpt-4o-mini", messages: [{ role: "user", content: text(400_000) }] },
  "100k tokens, agent history (400k chars)": { model: "gpt-4o-mini", messages: agentHistory(400_000), tools },
};

// CPU time, the best of several rounds: on a shared machine, wall time mostly measures the others.
const ROUNDS = 9;
for (const [label, body] of Object.entries(requests)) {
  const req = body as ChatRequest;
  const decide = () => router.decide({ req, key, headers: {} });
  const size = JSON.stringify(body).length;
  const runs = size > 100_000 ? 100 : size > 10_000 ? 1_000 : 20_000;
  let best = Infinity;
  let decision = decide();
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = process.cpuUsage();
    for (let i = 0; i < runs; i += 1) decision = decide();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / runs);
  }
  console.log(`${label.padEnd(42)} ${best.toFixed(1).padStart(9)} µs CPU/request  (${decision.sensitivity}, ${decision.model.name})`);
}
