// How far above a bare pass-through can a gateway that reads its requests go, at the least? The
// bare undici proxy, the floor arm (bench/experiments/arms/floor-proxy.ts: body read whole, parsed
// once, serialised again, answer read whole) and the gateway are loaded at the same time on the
// arm core with the same requests of one lane, as ab-cpu.ts loads two builds; CPU per request from
// /proc (user and system apart), medians of rounds and ratios to the bare proxy.
//
//   node bench/experiments/floor-ab.ts [--lane messages] [--rounds 5] [--requests 3000] [--connections 16] [--rate N]
//
// --rate N offers each arm N requests/s instead of all it can take, so every arm runs at the same
// load: at saturation the faster arm gathers more requests per event-loop turn and per wake-up
// of its peers, which lowers its CPU per request for reasons that are not its own work.
import { numberFlag, optionalNumberFlag, parseFlags, stringFlag } from "../cli/flags.ts";
import { startGateway } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { laneNamed } from "../harness/lanes.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { median } from "../load/stats.ts";
import { processTimes } from "../process/machine-load.ts";
import { pinCores } from "../process/pin.ts";
import { spawnServer, type PinnedProcess } from "../process/spawn.ts";

interface Contender {
  readonly name: string;
  readonly proc: PinnedProcess;
  readonly origin: string;
  readonly user: number[];
  readonly system: number[];
}

const TICK_US = 10_000;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const lane = laneNamed(stringFlag(flags, "lane", "messages"));
  if (lane.translated) throw new Error(`${lane.name} is served only by the gateway: pick a lane a bare proxy can forward`);
  const rounds = numberFlag(flags, "rounds", 5);
  const requests = numberFlag(flags, "requests", 3_000);
  const connections = numberFlag(flags, "connections", 16);
  const rate = optionalNumberFlag(flags, "rate");
  const layout = pinCores();
  console.log(layout.note);
  const fakes = await startFakes(layout.load);
  const contenders: Contender[] = [];
  try {
    for (const [name, script] of [["undici proxy", "bench/arms/undici-proxy.ts"], ["floor", "bench/experiments/arms/floor-proxy.ts"]] as const) {
      const { proc, port } = await spawnServer({ core: layout.arm, script, args: ["--port", "0", "--upstream", fakes.main.origin], stdout: "pipe" });
      contenders.push({ name, proc, origin: `http://127.0.0.1:${port}`, user: [], system: [] });
    }
    const { proc, origin } = await startGateway({ core: layout.arm, fakes });
    contenders.push({ name: "gateway", proc, origin, user: [], system: [] });
    const load = (c: Contender, amount: number) =>
      runLoad({ url: c.origin + lane.path, body: lane.body(false), headers: lane.headers, connections, durationSec: 600, amount, ...(rate === undefined ? {} : { overallRate: rate }) });
    for (const c of contenders) await load(c, 2_000); // warm-up
    for (let round = 0; round < rounds; round++) {
      const before = contenders.map((c) => processTimes(c.proc.child.pid as number));
      const results = await Promise.all(contenders.map((c) => load(c, requests)));
      contenders.forEach((c, i) => {
        const after = processTimes(c.proc.child.pid as number);
        const ok = Math.max(1, results[i]?.ok ?? 0);
        c.user.push(((after.user - (before[i]?.user ?? 0)) * TICK_US) / ok);
        c.system.push(((after.system - (before[i]?.system ?? 0)) * TICK_US) / ok);
      });
      console.log(`round ${round + 1}: ${contenders.map((c) => `${c.name} ${((c.user.at(-1) ?? 0) + (c.system.at(-1) ?? 0)).toFixed(0)} µs`).join(", ")}`);
    }
    const total = (c: Contender) => median(c.user.map((u, i) => u + (c.system[i] ?? 0)));
    const base = total(contenders[0] as Contender);
    const offered = rate === undefined ? "" : `, ${rate} requests/s offered to each`;
    console.log(`\n${lane.name} lane, CPU per request (median of ${rounds} rounds of ${requests} requests, ${connections} connections${offered}):`);
    for (const c of contenders) {
      console.log(`  ${c.name.padEnd(13)} ${total(c).toFixed(0)} µs (user ${median(c.user).toFixed(0)}, system ${median(c.system).toFixed(0)}), ${(total(c) / base).toFixed(2)}× the bare proxy`);
    }
  } finally {
    await Promise.all([...contenders.map((c) => c.proc.stop()), ...fakes.all.map((f) => f.proc.stop())]);
  }
}

await main();
