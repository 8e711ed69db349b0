// Instructions per request of one lane, counted by callgrind: steady where CPU time is not (on a
// machine shared with other work, CPU time per request moves with the neighbours' cache
// pressure; instruction counts do not). The arm runs under `valgrind --tool=callgrind` with
// instrumentation off while it starts and warms up, then counts exactly the requests sent while
// it is on. The gateway and the bare undici proxy are measured on the same fake, so their ratio
// is the lane's cost against a pass-through.
//
// Under valgrind a warm-up of a few hundred requests is still V8's warm-up: its optimizing
// compilers (Maglev, TurboFan, on background threads) took a quarter to a third of the
// instructions counted over the next 1,000 requests, and that share moves from run to run.
// A loaded process stops compiling within a minute, so the "steady" column leaves those jobs
// out (the inclusive count of OptimizedCompilationJob::ExecuteJob, read with
// callgrind_annotate): what a warm process spends per request, and what A/B comparisons read.
//
//   node bench/instructions.ts [--lanes messages,responses,embeddings] [--arms undici,gateway,baseline]
//                              [--requests 1000] [--warmup 500] [--connections 4] [--stream]
//
// Slow (valgrind runs node some 50× slower): a few minutes per lane and arm.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { numberFlag, parseFlags, stringFlag } from "./cli/flags.ts";
import { freePort, GATEWAY_CONFIG, gatewayEnv } from "./harness/arms.ts";
import { startFakes, type Fakes } from "./harness/fakes.ts";
import { laneNamed, type Lane } from "./harness/lanes.ts";
import { request } from "undici";
import { pinCores } from "./process/pin.ts";

const DIR = "bench/results";
const SCRIPTS: Record<string, string> = {
  gateway: "dist/index.js",
  undici: "bench/arms/undici-proxy.ts",
  // another build, as the bench's baseline arm (BENCH_BASELINE_DIST)
  baseline: `${process.env["BENCH_BASELINE_DIST"] ?? "dist"}/index.js`,
};

function control(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("callgrind_control", args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`callgrind_control ${args.join(" ")}: exit ${code}`))));
  });
}

async function send(origin: string, lane: Lane, stream: boolean, count: number, connections: number): Promise<number> {
  let next = 0;
  let failed = 0;
  const body = lane.body(stream);
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        const res = await request(origin + lane.path, { method: "POST", headers: lane.headers, body });
        await res.body.dump({ limit: Number.POSITIVE_INFINITY });
        if (res.statusCode !== 200) failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return failed;
}

async function waitReady(origin: string, lane: Lane, alive: () => boolean): Promise<void> {
  const since = performance.now();
  for (;;) {
    try {
      const res = await request(origin + lane.path, { method: "POST", headers: lane.headers, body: lane.body(false) });
      await res.body.dump({ limit: Number.POSITIVE_INFINITY });
      if (res.statusCode === 200) return;
    } catch {
      // still starting
    }
    if (!alive()) throw new Error(`${origin}: the arm exited before answering`);
    if (performance.now() - since > 600_000) throw new Error(`${origin}: no 200 within 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Count {
  instructions: number;
  /** Of those, spent in background optimizing compilation jobs. */
  compiling: number;
  requests: number;
  failed: number;
}

async function measure(arm: string, lane: Lane, fakes: Fakes, core: number | undefined, options: { requests: number; warmup: number; connections: number; stream: boolean }): Promise<Count> {
  const port = await freePort();
  const tag = `cg-${arm}-${lane.name}${options.stream ? "-stream" : ""}-${process.pid}`;
  for (const file of readdirSync(DIR)) if (file.startsWith(tag)) rmSync(`${DIR}/${file}`);
  const script = SCRIPTS[arm];
  if (!script) throw new Error(`--arms: one of ${Object.keys(SCRIPTS).join(", ")}`);
  const args = arm === "gateway" || arm === "baseline" ? ["--config", GATEWAY_CONFIG] : ["--port", String(port), "--upstream", fakes.main.origin];
  const command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${DIR}/${tag}.out`, process.execPath, script, ...args];
  const pinned = core === undefined ? command : ["taskset", "-c", String(core), ...command];
  const child = spawn(pinned[0] as string, pinned.slice(1), { env: { ...process.env, ...gatewayEnv(fakes, port) }, stdio: ["ignore", "ignore", "ignore"] });
  try {
    const origin = `http://127.0.0.1:${port}`;
    await waitReady(origin, lane, () => child.exitCode === null);
    await send(origin, lane, options.stream, options.warmup, options.connections);
    const pid = String(child.pid);
    await control(["-i", "on", pid]);
    // Re-warm: turning instrumentation on drops valgrind's translated code, not V8's.
    await send(origin, lane, options.stream, Math.ceil(options.warmup / 4), options.connections);
    await control(["-z", pid]);
    const failed = await send(origin, lane, options.stream, options.requests, options.connections);
    await control(["-d", pid]);
    const dump = readdirSync(DIR).filter((f) => f.startsWith(tag) && /\.out\.\d+$/.test(f));
    const file = `${DIR}/${dump.sort().at(-1) ?? ""}`;
    const total = Number(/^summary: (\d+)/m.exec(readFileSync(file, "utf8"))?.[1] ?? Number.NaN);
    return { instructions: total, compiling: await compileInstructions(file), requests: options.requests, failed };
  } finally {
    child.kill("SIGTERM");
  }
}

/** Instructions inside V8's optimizing compilation jobs (inclusive), from callgrind_annotate's report of `file`. */
function compileInstructions(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("callgrind_annotate", ["--inclusive=yes", "--threshold=100", file], { stdio: ["ignore", "pipe", "ignore"] });
    let report = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => (report += text));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`callgrind_annotate ${file}: exit ${code}`));
      const line = /^\s*([\d,]+) .*OptimizedCompilationJob::ExecuteJob/m.exec(report);
      resolve(line ? Number((line[1] as string).replaceAll(",", "")) : 0);
    });
  });
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const lanes = stringFlag(flags, "lanes", "messages,responses,embeddings").split(",").map(laneNamed);
  const arms = stringFlag(flags, "arms", "undici,gateway").split(",");
  const options = {
    requests: numberFlag(flags, "requests", 1000),
    warmup: numberFlag(flags, "warmup", 500),
    connections: numberFlag(flags, "connections", 4),
    stream: flags.has("stream"),
  };
  mkdirSync(DIR, { recursive: true });
  const layout = pinCores();
  console.log(layout.note);
  const fakes = await startFakes(layout.load);
  try {
    if (options.stream) await fakes.main.setKnobs({ intervalMs: 0, ttfbMs: 0 });
    console.log(`| lane | arm | instructions per request | of which JIT compiling | steady (without it) | steady ×U | failed |\n|---|---|---:|---:|---:|---:|---:|`);
    for (const lane of lanes) {
      let reference = Number.NaN;
      for (const arm of arms) {
        if (lane.translated && arm === "undici") continue;
        const count = await measure(arm, lane, fakes, layout.arm, options);
        const perRequest = count.instructions / count.requests;
        const compiling = count.compiling / count.requests;
        const steady = perRequest - compiling;
        if (arm === "undici") reference = steady;
        const ratio = arm === "undici" || Number.isNaN(reference) ? "" : `${(steady / reference).toFixed(3)}×`;
        const n = (value: number) => Math.round(value).toLocaleString("en-US");
        console.log(`| ${lane.name}${options.stream ? " (stream)" : ""} | ${arm} | ${n(perRequest)} | ${n(compiling)} | ${n(steady)} | ${ratio} | ${count.failed} |`);
      }
    }
  } finally {
    await Promise.all(fakes.all.map((f) => f.proc.stop()));
  }
}

await main();
