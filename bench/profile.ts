// CPU profile of one arm under load: the arm runs under `node --cpu-prof` on the arm core, is
// loaded for a while, stopped, and its profile summarized (self time per function and per
// package). The .cpuprofile stays in bench/results/ for DevTools.
//
//   node bench/profile.ts [--arm gateway] [--mode json|stream|cache-hit|cache-miss|LANE] [--seconds 10] [--top 25] [--tokens N] [--rate N]
//
// --rate N (a lane mode) offers N requests/s instead of all the arm can take.
// --tokens N (json mode) sends a user message of about N tokens, as the bodies scenario does.
//
// A lane name from bench/harness/lanes.ts (messages, messages-tr, responses, responses-tr,
// embeddings) loads that door and lane with JSON answers; `cache-hit` repeats one request to a
// cache-enabled model, `cache-miss` the same with `Cache-Control: no-cache` (every request
// keyed, fetched, folded and stored); `cache-new` numbers every prompt, so each request is a miss
// that stores a new entry (and, once the memory bound is reached, evicts an old one).
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { numberFlag, optionalNumberFlag, parseFlags, stringFlag } from "./cli/flags.ts";
import { ARMS, startArm } from "./harness/arms.ts";
import { startFakes } from "./harness/fakes.ts";
import { LANES } from "./harness/lanes.ts";
import { CACHED_MODEL, chatBody, CHAT_PATH, contentOfTokens, headers, numberedChatBodies } from "./harness/requests.ts";
import { runLoad } from "./load/autocannon-run.ts";
import { runStreams, streamAgent } from "./load/stream-client.ts";
import { pinCores } from "./process/pin.ts";
import { inclusiveTimes, ownerTimes, selfTimes, type CpuProfile } from "./report/cpuprofile.ts";

const DIR = "bench/results";

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const armName = stringFlag(flags, "arm", "gateway");
  const mode = stringFlag(flags, "mode", "json");
  const seconds = numberFlag(flags, "seconds", 10);
  const top = numberFlag(flags, "top", 25);
  const tokens = numberFlag(flags, "tokens", 0);
  const chatModes = ["json", "stream", "cache-hit", "cache-miss", "cache-new"];
  const lane = chatModes.includes(mode) ? undefined : LANES.find((l) => l.name === mode);
  if (!chatModes.includes(mode) && lane === undefined) throw new Error(`--mode must be one of ${[...chatModes, ...LANES.map((l) => l.name)].join(", ")}`);
  const spec = ARMS.find((a) => a.name === armName);
  if (!spec || spec.name === "direct") throw new Error(`--arm must be one of ${ARMS.filter((a) => a.name !== "direct").map((a) => a.name).join(", ")}`);
  const missing = spec.unavailable();
  if (missing) throw new Error(missing);
  mkdirSync(DIR, { recursive: true });
  const name = `${armName}-${mode}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`;
  const layout = pinCores();
  console.log(layout.note);
  const fakes = await startFakes(layout.load);
  const agent = streamAgent();
  let requests = 0;
  try {
    const arm = await startArm(spec, { fakes, core: layout.arm, nodeArgs: ["--cpu-prof", "--cpu-prof-dir", DIR, "--cpu-prof-name", name] });
    try {
      if (mode === "stream") {
        await fakes.main.setKnobs({ chunks: 20, intervalMs: 20 });
        const rounds = Math.max(1, Math.round(seconds / 2));
        for (let i = 0; i < rounds; i++) {
          const r = await runStreams({
            target: { url: arm.origin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: agent },
            count: 500,
            rampMs: 1_000,
            expectedFrames: 24,
            intervalMs: 20,
            timedGaps: 20,
          });
          requests += r.ok;
          console.log(`stream round ${i + 1}/${rounds}: ${r.ok} ok, ${r.errors} errors`);
        }
      } else if (lane !== undefined) {
        const rate = optionalNumberFlag(flags, "rate");
        const r = await runLoad({ url: arm.origin + lane.path, body: lane.body(false), headers: lane.headers, connections: 64, durationSec: seconds, ...(rate === undefined ? {} : { overallRate: rate }) });
        requests = r.ok;
        console.log(`${r.rps.toFixed(0)} req/s at concurrency 64, ${r.non2xx} non-2xx, ${r.errors} errors`);
      } else {
        const cached = mode === "cache-hit" || mode === "cache-miss" || mode === "cache-new";
        const shape = { ...(cached ? { model: CACHED_MODEL } : {}), ...(tokens > 0 ? { content: contentOfTokens(tokens) } : {}) };
        const body = chatBody(shape);
        const nextBody = mode === "cache-new" ? numberedChatBodies(shape) : undefined;
        const asked = mode === "cache-miss" ? { ...headers, "cache-control": "no-cache" } : headers;
        const r = await runLoad({ url: arm.origin + CHAT_PATH, body, ...(nextBody === undefined ? {} : { nextBody }), headers: asked, connections: tokens > 0 ? 8 : 64, durationSec: seconds });
        requests = r.ok;
        console.log(`${r.rps.toFixed(0)} req/s at concurrency 64, ${r.non2xx} non-2xx, ${r.errors} errors`);
      }
    } finally {
      await arm.stop();
    }
  } finally {
    await Promise.all(fakes.all.map((f) => f.proc.stop()));
    await agent.close();
  }

  const file = join(DIR, name);
  const found = readdirSync(DIR).includes(name) ? file : undefined;
  if (!found || statSync(found).size === 0) throw new Error(`no profile at ${file} (did the arm exit through process.exit or a normal end?)`);
  const profile = JSON.parse(readFileSync(found, "utf8")) as CpuProfile;
  const { functions, layers, totalMs } = selfTimes(profile);
  const inclusive = inclusiveTimes(profile);
  console.log(`\n${found}: ${(totalMs / 1000).toFixed(1)} s of samples, ${(inclusive.totalMs / 1000).toFixed(1)} s busy (not idle)\n`);
  const owned = ownerTimes(profile);
  console.log(`| % of busy | µs per request | owner (innermost package or src/ folder on the stack) |\n|---:|---:|---|`);
  for (const o of owned.owners.slice(0, 15)) console.log(`| ${o.pct.toFixed(1)} | ${((1000 * o.ms) / Math.max(1, requests)).toFixed(1)} | ${o.name} |`);
  console.log(`(${requests} requests; busy ${((1000 * owned.totalMs) / Math.max(1, requests)).toFixed(0)} µs per request, profiler overhead included)\n`);
  console.log("| self % | self ms | package / layer |\n|---:|---:|---|");
  for (const l of layers.slice(0, 15)) console.log(`| ${l.pct.toFixed(1)} | ${l.ms.toFixed(0)} | ${l.name} |`);
  console.log("\n| self % | self ms | function | where |\n|---:|---:|---|---|");
  for (const f of functions.slice(0, top)) console.log(`| ${f.pct.toFixed(1)} | ${f.ms.toFixed(0)} | ${f.name} | ${f.where} |`);
  console.log("\n| % of busy time (inclusive) | ms | layer on the stack |\n|---:|---:|---|");
  for (const l of inclusive.layers.slice(0, 15)) console.log(`| ${l.pct.toFixed(1)} | ${l.ms.toFixed(0)} | ${l.name} |`);
  console.log("\n| % of busy time (inclusive) | ms | function in src/ | where |\n|---:|---:|---|---|");
  for (const f of inclusive.functions.filter((fn) => fn.where.startsWith("src/")).slice(0, top)) {
    console.log(`| ${f.pct.toFixed(1)} | ${f.ms.toFixed(0)} | ${f.name} | ${f.where} |`);
  }
}

await main();
