// Where a gateway's allocations come from under load: the gateway runs with a sampling heap
// profiler that also counts objects the GC has already freed, one lane is loaded at concurrency
// 64, and the bytes allocated per request are summed per function (self) and per src/ function
// on the stack (inclusive). Short-lived garbage is what the young-generation GC pays for.
//
//   node bench/experiments/alloc-profile.ts [--lane messages] [--seconds 8] [--top 30] [--model M] [--header "name: value"]
//        [--callers NAME] [--live] [--rate N]
//
// --live counts only what is still on the heap at the end: what outlived the young generation
// (retained, or promoted and not yet collected). --rate N offers N requests/s instead of all the
// gateway can take: at a low rate a scavenge comes seconds apart, and what lives across one is
// promoted.
// --callers NAME lists, for allocations made in functions named NAME, the stacks above them.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headerPair, numberFlag, optionalNumberFlag, parseFlags, stringFlag } from "../cli/flags.ts";
import { startGateway } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { laneNamed } from "../harness/lanes.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { pinCores } from "../process/pin.ts";

interface SampleNode {
  id: number;
  selfSize: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: SampleNode[];
}
interface Sample {
  size: number;
  nodeId: number;
  count?: number;
}

const where = (f: SampleNode["callFrame"]) => `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(node_modules|src|dist)\//, "$1/").replace(/^dist\//, "src/")}:${f.lineNumber + 1}`;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const lane = laneNamed(stringFlag(flags, "lane", "chat"));
  const seconds = numberFlag(flags, "seconds", 8);
  const top = numberFlag(flags, "top", 30);
  const headers = { ...lane.headers, ...headerPair(flags.get("header")) };
  const model = flags.get("model");
  const body = model === undefined ? lane.body(false) : JSON.stringify({ ...(JSON.parse(lane.body(false)) as object), model });
  const file = join(tmpdir(), `heap-sample-${process.pid}.json`);
  rmSync(file, { force: true });
  const layout = pinCores();
  const fakes = await startFakes(layout.load);
  try {
    const { proc, origin } = await startGateway({
      core: layout.arm,
      fakes,
      nodeArgs: ["--import", join(import.meta.dirname, "arms", "heap-sampler.ts")],
      env: { HEAP_SAMPLE_FILE: file, HEAP_SAMPLE_LIVE: flags.has("live") ? "1" : "0" },
    });
    try {
      const rate = optionalNumberFlag(flags, "rate");
      const r = await runLoad({ url: origin + lane.path, body, headers, connections: 64, durationSec: seconds, ...(rate === undefined ? {} : { overallRate: rate }) });
      proc.child.kill("SIGUSR2");
      for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 500));
      report(JSON.parse(readFileSync(file, "utf8")) as { head: SampleNode; samples: Sample[] }, r.ok, top, flags.get("callers"));
      console.log(`(${r.ok} requests at ${r.rps.toFixed(0)}/s, ${r.non2xx} non-2xx; warm-up included)`);
    } finally {
      await proc.stop();
    }
  } finally {
    rmSync(file, { force: true });
    await Promise.all(fakes.all.map((f) => f.proc.stop()));
  }
}

function report(profile: { head: SampleNode; samples: Sample[] }, requests: number, top: number, callersOf: string | undefined): void {
  const byId = new Map<number, { node: SampleNode; parent: SampleNode | undefined }>();
  const walk = (node: SampleNode, parent: SampleNode | undefined) => {
    byId.set(node.id, { node, parent });
    for (const child of node.children) walk(child, node);
  };
  walk(profile.head, undefined);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const callers = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples) {
    const bytes = s.size * (s.count ?? 1);
    total += bytes;
    let at = byId.get(s.nodeId);
    if (at === undefined) continue;
    const name = where(at.node.callFrame);
    self.set(name, (self.get(name) ?? 0) + bytes);
    if (at.node.callFrame.functionName === callersOf) {
      const stack: string[] = [];
      for (let up = at.parent; up !== undefined && stack.length < 6; up = byId.get(up.id)?.parent) stack.push(where(up.callFrame));
      const chain = stack.join(" < ");
      callers.set(chain, (callers.get(chain) ?? 0) + bytes);
    }
    const seen = new Set<string>();
    while (at !== undefined) {
      const frame = where(at.node.callFrame);
      if (frame.includes(" src/") && !seen.has(frame)) {
        seen.add(frame);
        inclusive.set(frame, (inclusive.get(frame) ?? 0) + bytes);
      }
      at = at.node.id === profile.head.id || at.parent === undefined ? undefined : byId.get(at.parent.id);
    }
  }
  const perRequest = (bytes: number) => (bytes / Math.max(1, requests)).toFixed(0).padStart(7);
  console.log(`\nbytes allocated per request (sampled): ${perRequest(total)}\n\nself:`);
  for (const [name, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(bytes)}  ${name}`);
  if (callersOf !== undefined) {
    console.log(`\nstacks above ${callersOf}:`);
    for (const [chain, bytes] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(bytes)}  ${chain}`);
  }
  console.log("\ninclusive, src/ functions:");
  for (const [name, bytes] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(bytes)}  ${name}`);
}

await main();
