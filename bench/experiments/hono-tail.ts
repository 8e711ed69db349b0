// Where does the Hono + fetch arm's p99 tail at 500 req/s come from, and does the gateway inherit
// it? Each arm (and variants that swap one layer at a time) is driven at the same 500 req/s by
// three load shapes; CPU per request comes from /proc, event-loop delay and GC pauses from inside
// the bench arms (SIGUSR2). Same pinning as run.ts.
//
//   node bench/experiments/hono-tail.ts [--rounds 3] [--seconds 5] [--variants a,b] [--patterns paced,c64,c8,capacity]
//     [--json bench/results/hono-tail.json]
import { mkdirSync, writeFileSync } from "node:fs";
import type { ArmStats } from "../arms/arm-stats.ts";
import { numberFlag, parseFlags } from "../cli/flags.ts";
import { ARMS, startArm } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { runPaced } from "../load/paced.ts";
import { median, Samples } from "../load/stats.ts";
import { processTicks, startLoadMeter } from "../process/machine-load.ts";
import { pinCores } from "../process/pin.ts";
import { spawnServer, type PinnedProcess } from "../process/spawn.ts";

interface Variant {
  name: string;
  /** A bench arm script; undefined for the gateway (src/index.ts with bench/gateway.yaml). */
  script?: string;
  nodeArgs?: string[];
}

const VARIANTS: Variant[] = [
  { name: "undici proxy", script: "bench/arms/undici-proxy.ts" },
  { name: "node:http proxy", script: "bench/arms/node-http-proxy.ts" },
  { name: "Hono+fetch", script: "bench/arms/hono-fetch-proxy.ts" },
  { name: "Hono+undici", script: "bench/experiments/arms/hono-undici-proxy.ts" },
  { name: "node:http+fetch", script: "bench/experiments/arms/node-fetch-proxy.ts" },
  { name: "Hono+fetch, 64 MB semi-space", script: "bench/arms/hono-fetch-proxy.ts", nodeArgs: ["--max-semi-space-size=64"] },
  { name: "Hono+fetch, JSON read whole", script: "bench/experiments/arms/hono-fetch-buffered-proxy.ts" },
  { name: "gateway" },
];

type Pattern = "capacity c64" | "autocannon 500/s c64" | "autocannon 500/s c8" | "paced 500/s";
const PATTERNS: Pattern[] = ["capacity c64", "autocannon 500/s c64", "autocannon 500/s c8", "paced 500/s"];

type Row = Record<string, number>;

async function armStats(proc: PinnedProcess): Promise<ArmStats> {
  const line = proc.nextLine(/^\{"armStats":/, 5_000);
  proc.child.kill("SIGUSR2");
  const match = await line;
  return (JSON.parse(match.input ?? "{}") as { armStats: ArmStats }).armStats;
}

/** From autocannon's completions: most requests in flight at once, and how many left in the first 100 ms of each second. */
function shape(sends: Samples, completions: Samples): { maxInflight: number; firstTenthPct: number } {
  const s = sends.sorted();
  const c = completions.sorted();
  let inflight = 0;
  let max = 0;
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    while (j < c.length && (c[j] as number) <= (s[i] as number)) {
      inflight--;
      j++;
    }
    inflight++;
    max = Math.max(max, inflight);
  }
  const origin = s[0] ?? 0;
  let early = 0;
  for (const t of s) if ((t - origin) % 1000 < 100) early++;
  return { maxInflight: max, firstTenthPct: s.length > 0 ? (100 * early) / s.length : Number.NaN };
}

async function measure(pattern: Pattern, url: string, seconds: number): Promise<Row> {
  const body = chatBody();
  if (pattern === "paced 500/s") {
    const r = await runPaced({ url, body, headers, rate: 500, durationSec: seconds });
    return { rps: r.ok / seconds, p50: r.p50, p99: r.p99, max: r.max, maxInflight: r.maxInflight, sendLagP99: r.sendLagP99, errors: r.errors };
  }
  const sends = new Samples();
  const completions = new Samples();
  const connections = pattern === "autocannon 500/s c8" ? 8 : 64;
  const rate = pattern === "capacity c64" ? undefined : 500;
  const r = await runLoad({
    url,
    body,
    headers,
    connections,
    durationSec: seconds,
    ...(rate !== undefined ? { overallRate: rate } : {}),
    onResponse: (at, latency) => {
      completions.push(at);
      sends.push(at - latency);
    },
  });
  const { maxInflight, firstTenthPct } = shape(sends, completions);
  return { rps: r.rps, p50: r.p50, p99: r.p99, max: r.max, autocannonP99: r.autocannonP99, maxInflight, firstTenthPct, errors: r.errors + r.non2xx };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const rounds = numberFlag(flags, "rounds", 3);
  const seconds = numberFlag(flags, "seconds", 5);
  const pick = (flag: string) => (flags.get(flag) ?? "").split(",").map((v) => v.trim().toLowerCase()).filter(Boolean);
  const wantedVariants = pick("variants");
  const variants = wantedVariants.length === 0 ? VARIANTS : VARIANTS.filter((v) => wantedVariants.some((w) => v.name.toLowerCase().includes(w)));
  const wantedPatterns = pick("patterns");
  const patterns = wantedPatterns.length === 0 ? PATTERNS : PATTERNS.filter((p) => wantedPatterns.some((w) => p.toLowerCase().includes(w)));
  const layout = pinCores();
  console.log(layout.note);
  const meter = startLoadMeter();
  const fakes = await startFakes(layout.load);
  for (const fake of fakes.all) meter.track(fake.proc.pid);
  const gatewaySpec = ARMS.find((a) => a.name === "gateway");
  const arms: { variant: Variant; proc: PinnedProcess; url: string; stop(): Promise<void> }[] = [];
  const results = new Map<string, Row[]>();
  try {
    for (const variant of variants) {
      if (variant.script === undefined) {
        const missing = gatewaySpec?.unavailable();
        if (!gatewaySpec || missing) {
          console.log(`gateway skipped: ${missing ?? "unknown arm"}`);
          continue;
        }
        const arm = await startArm(gatewaySpec, { fakes, core: layout.arm });
        if (!arm.proc) continue;
        arms.push({ variant, proc: arm.proc, url: arm.origin + CHAT_PATH, stop: () => arm.stop() });
      } else {
        const { proc, port } = await spawnServer({
          core: layout.arm,
          script: variant.script,
          args: ["--port", "0", "--upstream", fakes.main.origin, "--stats"],
          nodeArgs: variant.nodeArgs ?? [],
          stdout: "pipe",
        });
        arms.push({ variant, proc, url: `http://127.0.0.1:${port}${CHAT_PATH}`, stop: () => proc.stop() });
      }
      const last = arms.at(-1);
      if (last) meter.track(last.proc.pid);
      if (last) await runLoad({ url: last.url, body: chatBody(), headers, connections: 16, durationSec: 2 });
    }
    for (let round = 1; round <= rounds; round++) {
      for (const pattern of patterns) {
        for (const arm of arms) {
          const inside = arm.variant.script !== undefined; // the gateway has no SIGUSR2 stats
          if (inside) await armStats(arm.proc); // reset the arm's counters
          const ticks = processTicks(arm.proc.pid);
          const row = await measure(pattern, arm.url, seconds);
          const used = processTicks(arm.proc.pid) - ticks;
          row["cpuUsPerRequest"] = (used * 10_000) / Math.max(1, row["rps"] ?? 0) / seconds;
          if (inside) {
            const stats = await armStats(arm.proc);
            row["loopDelayP99"] = stats.loopDelayP99Ms;
            row["loopDelayMax"] = stats.loopDelayMaxMs;
            row["gcMax"] = stats.gcMaxMs;
            row["gcMinorMax"] = stats.gcByKind["minor"]?.maxMs ?? 0;
            row["gcCount"] = stats.gcCount;
          }
          const key = `${pattern}|${arm.variant.name}`;
          results.set(key, [...(results.get(key) ?? []), row]);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      console.log(`round ${round}/${rounds} done; other processes used ${(100 * meter.foreignShare()).toFixed(0)}% of the machine's CPU so far`);
    }
  } finally {
    await Promise.all([...arms.map((a) => a.stop()), ...fakes.all.map((f) => f.proc.stop())]);
  }

  const columns = ["rps", "cpuUsPerRequest", "p50", "p99", "autocannonP99", "max", "maxInflight", "firstTenthPct", "sendLagP99", "loopDelayMax", "gcMax"];
  const fmt = (v: number) => (Number.isNaN(v) ? "—" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
  const lines = [`| load | arm | ${columns.join(" | ")} |`, `|---|---|${columns.map(() => "---:").join("|")}|`];
  const medians: Record<string, Row> = {};
  for (const [key, rows] of results) {
    const [pattern, arm] = key.split("|");
    const med: Row = {};
    for (const c of columns) med[c] = median(rows.map((r) => r[c] ?? Number.NaN));
    medians[key] = med;
    lines.push(`| ${pattern} | ${arm} | ${columns.map((c) => fmt(med[c] ?? Number.NaN)).join(" | ")} |`);
  }
  console.log(`\n${rounds} rounds × ${seconds} s, medians; times in ms; cpuUsPerRequest = the arm's CPU time per answered request (µs, from /proc); firstTenthPct = % of requests sent in the first 100 ms of each second`);
  console.log(lines.join("\n"));
  const jsonPath = flags.get("json");
  if (jsonPath) {
    mkdirSync("bench/results", { recursive: true });
    writeFileSync(jsonPath, JSON.stringify({ layout, rounds, seconds, medians, raw: Object.fromEntries(results) }, null, 2));
  }
}

await main();
