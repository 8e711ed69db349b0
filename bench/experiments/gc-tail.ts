// The gateway's GC pauses while it serves an even 500 req/s: is the paced p99 tail garbage
// collection? The gateway runs pinned to core 0 under --trace-gc (logs at warn, so its stdout
// holds only the trace), is warmed up with 30,000 requests, then each paced round prints its p50
// and p99 beside every GC pause V8 reported during the round.
//
//   node bench/experiments/gc-tail.ts [--rounds 4] [--semi-space MB]
//
// --semi-space sets V8's --max-semi-space-size (the young generation's size) for the gateway.
import { spawn } from "node:child_process";
import { numberFlag, parseFlags } from "../cli/flags.ts";
import { freePort, GATEWAY_CONFIG, gatewayEnv, waitForFirst200 } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { runPaced } from "../load/paced.ts";
import { pinCores } from "../process/pin.ts";

const PAUSE = /(Scavenge|Mark-Compact|Mark-sweep)[^\n]*?MB, pooled: [\d.]+ MB, ([\d.]+) \/ [\d.]+ ms/g;

const flags = parseFlags(process.argv.slice(2));
const rounds = numberFlag(flags, "rounds", 4);
const semiSpace = numberFlag(flags, "semi-space", 0);
const layout = pinCores();
console.log(layout.note);
const fakes = await startFakes(layout.load);
const port = await freePort();
const v8Flags = semiSpace > 0 ? [`--max-semi-space-size=${semiSpace}`] : [];
const command = [process.execPath, ...v8Flags, "--trace-gc", "dist/index.js", "--config", GATEWAY_CONFIG];
const pinned = layout.arm === undefined ? command : ["taskset", "-c", String(layout.arm), ...command];
const gateway = spawn(pinned[0] as string, pinned.slice(1), {
  env: { ...process.env, ...gatewayEnv(fakes, port), LOG_LEVEL: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
let trace = "";
gateway.stdout.on("data", (chunk: Buffer) => (trace += chunk.toString()));
try {
  const origin = `http://127.0.0.1:${port}`;
  await waitForFirst200(origin, performance.now(), 15_000, () => gateway.exitCode === null);
  await runLoad({ url: origin + CHAT_PATH, body: chatBody(), headers, connections: 64, durationSec: 10, amount: 30_000 });
  for (let round = 0; round < rounds; round += 1) {
    trace = "";
    const r = await runPaced({ url: origin + CHAT_PATH, body: chatBody(), headers, rate: 500, durationSec: 5 });
    const pauses = [...trace.matchAll(PAUSE)].map((m) => `${m[1] ?? "?"} ${Number(m[2]).toFixed(1)}`);
    console.log(`round ${round + 1}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(1)} ms; GC pauses (ms): ${pauses.join(", ") || "none"}`);
  }
} finally {
  gateway.kill();
  await Promise.all(fakes.all.map((f) => f.proc.stop()));
}
