// Syscalls per request of the bare undici proxy and the gateway on one lane: each arm is loaded
// alone at concurrency 64 while `strace -c -f` counts its syscalls (strace slows the arm, so only
// the counts per request mean anything, not the times).
//
//   node bench/experiments/syscalls.ts [--lane messages] [--requests 20000] [--connections 64]
import { spawn } from "node:child_process";
import { numberFlag, parseFlags, stringFlag } from "../cli/flags.ts";
import { startGateway } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { laneNamed } from "../harness/lanes.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { pinCores } from "../process/pin.ts";
import { spawnServer, type PinnedProcess } from "../process/spawn.ts";

async function counted(pid: number, work: () => Promise<number>): Promise<{ ok: number; table: string }> {
  const strace = spawn("strace", ["-c", "-f", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let table = "";
  strace.stderr.on("data", (d: Buffer) => (table += d.toString()));
  await new Promise((r) => setTimeout(r, 500));
  const ok = await work();
  strace.kill("SIGINT");
  await new Promise((r) => strace.on("exit", r));
  return { ok, table };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const lane = laneNamed(stringFlag(flags, "lane", "messages"));
  const requests = numberFlag(flags, "requests", 20_000);
  const connections = numberFlag(flags, "connections", 64);
  const layout = pinCores();
  const fakes = await startFakes(layout.load);
  const arms: { name: string; proc: PinnedProcess; origin: string }[] = [];
  try {
    const { proc, port } = await spawnServer({ core: layout.arm, script: "bench/arms/undici-proxy.ts", args: ["--port", "0", "--upstream", fakes.main.origin], stdout: "pipe" });
    arms.push({ name: "undici proxy", proc, origin: `http://127.0.0.1:${port}` });
    const gw = await startGateway({ core: layout.arm, fakes });
    arms.push({ name: "gateway", proc: gw.proc, origin: gw.origin });
    for (const arm of arms) {
      const load = (amount: number) => runLoad({ url: arm.origin + lane.path, body: lane.body(false), headers: lane.headers, connections, durationSec: 600, amount });
      await load(2_000);
      const { ok, table } = await counted(arm.proc.child.pid as number, async () => (await load(requests)).ok);
      console.log(`\n${arm.name}: ${ok} requests`);
      for (const line of table.split("\n")) {
        const cols = line.trim().split(/\s+/);
        const calls = Number(cols[3]);
        if (cols.length >= 5 && Number.isFinite(calls) && calls > 0) console.log(`  ${(calls / ok).toFixed(3).padStart(8)} ${cols.at(-1)}`);
      }
    }
  } finally {
    await Promise.all([...arms.map((a) => a.proc.stop()), ...fakes.all.map((f) => f.proc.stop())]);
  }
}

await main();
