// Where a bare proxy's memory goes with 1,000 open streams: process.memoryUsage() inside each
// arm (JS heap, external, array buffers) next to its RSS, before, at 1,000 streams and after.
//
//   node bench/experiments/stream-memory.ts
import type { ArmStats } from "../arms/arm-stats.ts";
import { startFake } from "../harness/fakes.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runStreams, streamAgent } from "../load/stream-client.ts";
import { pinCores } from "../process/pin.ts";
import { rssMiB } from "../process/rss.ts";
import { spawnServer, type PinnedProcess } from "../process/spawn.ts";

const ARMS: { name: string; script: string; nodeArgs?: string[] }[] = [
  { name: "node:http proxy", script: "bench/arms/node-http-proxy.ts" },
  { name: "undici proxy", script: "bench/arms/undici-proxy.ts" },
  { name: "undici proxy, --max-semi-space-size=4", script: "bench/arms/undici-proxy.ts", nodeArgs: ["--max-semi-space-size=4"] },
  { name: "Hono+fetch", script: "bench/arms/hono-fetch-proxy.ts" },
];

async function memory(proc: PinnedProcess): Promise<Record<string, number>> {
  const line = proc.nextLine(/^\{"armStats":/, 5_000);
  proc.child.kill("SIGUSR2");
  const stats = (JSON.parse((await line).input ?? "{}") as { armStats: ArmStats }).armStats;
  return { ...stats.memoryMiB, vmRss: Math.round(rssMiB(proc.pid) * 10) / 10 };
}

const layout = pinCores();
console.log(layout.note);
const fake = await startFake("main", layout.load);
const agent = streamAgent();
try {
  await fake.setKnobs({ chunks: 25, intervalMs: 100, ttfbMs: 20 });
  for (const arm of ARMS) {
    const { proc, port } = await spawnServer({ core: layout.arm, script: arm.script, args: ["--port", "0", "--upstream", fake.origin, "--stats"], nodeArgs: arm.nodeArgs ?? [], stdout: "pipe" });
    try {
      const url = `http://127.0.0.1:${port}${CHAT_PATH}`;
      const before = await memory(proc);
      let peak: Record<string, number> = {};
      const run = runStreams({ target: { url, body: chatBody({ stream: true }), headers, dispatcher: agent }, count: 1_000, rampMs: 2_000, expectedFrames: 28, intervalMs: 100, timedGaps: 25 });
      await new Promise((resolve) => setTimeout(resolve, 2_200));
      peak = await memory(proc);
      const result = await run;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const after = await memory(proc);
      console.log(`\n${arm.name}: ${result.ok} streams ok, ${result.errors} errors`);
      console.log("| MiB | " + Object.keys(before).join(" | ") + " |");
      for (const [label, m] of [["fresh", before], ["1,000 streams", peak], ["1 s after", after]] as const) {
        console.log(`| ${label} | ${Object.values(m).join(" | ")} |`);
      }
    } finally {
      await proc.stop();
    }
  }
} finally {
  await fake.proc.stop();
  await agent.close();
}
