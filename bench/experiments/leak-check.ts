// Does the gateway keep anything per request? It runs with a probe (arms/gc-probe.ts) that, on a
// signal, collects all garbage and reports the heap still in use. Each round loads every lane
// for a few seconds (JSON answers, and streams where the lane streams), then reads the heap after
// a full GC; the slope of that heap against requests served, after a warm-up round, is what a
// request leaves behind. RSS, which the soak scenario follows, moves with the heap's capacity and
// the allocator, so it cannot tell a leak of a few bytes per request from noise; this can.
//
//   node bench/experiments/leak-check.ts [--rounds 6] [--seconds 3] [--connections 16]
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberFlag, parseFlags } from "../cli/flags.ts";
import { defaultKnobs } from "../fake-upstream.ts";
import { startGateway } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { LANES } from "../harness/lanes.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { slope } from "../load/stats.ts";
import { pinCores } from "../process/pin.ts";

interface Probe {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const rounds = numberFlag(flags, "rounds", 6);
  const seconds = numberFlag(flags, "seconds", 3);
  const connections = numberFlag(flags, "connections", 16);
  const file = join(tmpdir(), `gc-probe-${process.pid}.jsonl`);
  rmSync(file, { force: true });
  const layout = pinCores();
  const fakes = await startFakes(layout.load);
  try {
    // Short streams: the round measures many of them, not long gaps.
    await fakes.main.setKnobs({ ...defaultKnobs, chunks: 5, intervalMs: 2 });
    const { proc, origin } = await startGateway({
      core: layout.arm,
      fakes,
      nodeArgs: ["--expose-gc", "--import", join(import.meta.dirname, "arms", "gc-probe.ts")],
      env: { GC_PROBE_FILE: file },
    });
    const probes: Probe[] = [];
    const served: number[] = [];
    let total = 0;
    const probe = async (): Promise<Probe> => {
      const before = probes.length;
      proc.child.kill("SIGUSR2");
      for (let i = 0; i < 200; i++) {
        const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
        if (lines.length > before) return JSON.parse(lines[before] as string) as Probe;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("the probe did not answer");
    };
    try {
      for (let round = 0; round <= rounds; round++) {
        for (const lane of LANES) {
          for (const stream of lane.streams ? [false, true] : [false]) {
            const r = await runLoad({ url: origin + lane.path, body: lane.body(stream), headers: lane.headers, connections, durationSec: seconds });
            if (r.non2xx > 0 || r.errors > 0) console.log(`${lane.name}${stream ? " stream" : ""}: ${r.non2xx} non-2xx, ${r.errors} errors`);
            total += r.ok;
          }
        }
        const p = await probe();
        probes.push(p);
        served.push(total);
        console.log(`${round === 0 ? "warm-up" : `round ${round}`}: ${total} requests, heap after GC ${(p.heapUsed / MiB).toFixed(2)} MiB, external ${(p.external / MiB).toFixed(2)} MiB, RSS ${(p.rss / MiB).toFixed(1)} MiB`);
      }
    } finally {
      await proc.stop();
    }
    const xs = served.slice(1);
    const perRequest = (pick: (p: Probe) => number) => slope(xs, probes.slice(1).map(pick));
    console.log(`\nafter the warm-up: heap ${perRequest((p) => p.heapUsed).toFixed(2)} bytes per request, external ${perRequest((p) => p.external).toFixed(2)} bytes per request (${xs.at(-1)! - xs[0]!} requests over ${rounds} rounds)`);
  } finally {
    rmSync(file, { force: true });
    await Promise.all(fakes.all.map((f) => f.proc.stop()));
  }
}

await main();
