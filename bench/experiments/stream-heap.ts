// What each open stream holds in the gateway's heap: heap snapshots of one or two builds, idle
// after warm-up and again with N streams open, and the difference grouped by object kind and
// constructor, divided by N. Snapshots are written by the gateway itself
// (`--heapsnapshot-signal`) into bench/results/heap/.
//
//   node bench/experiments/stream-heap.ts --a /path/to/base [--b .] [--streams 300] [--top 40]
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { request } from "undici";
import { join, resolve } from "node:path";
import { numberFlag, parseFlags, stringFlag } from "../cli/flags.ts";
import { startGateway } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { openStream, runStreams, streamAgent, type OpenStream } from "../load/stream-client.ts";
import { pinCores } from "../process/pin.ts";
import { rssMiB } from "../process/rss.ts";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Self size and count per `type name` (constructor for objects, function name for closures). */
function groups(file: string): Map<string, Group> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const out = new Map<string, Group>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] as string;
    const raw = type === "string" || type === "concatenated string" || type === "sliced string" || type === "number" ? "" : (snap.strings[snap.nodes[i + nameAt] as number] ?? "");
    const name = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
    const key = `${type} ${name}`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += snap.nodes[i + sizeAt] as number;
    out.set(key, g);
  }
  return out;
}

async function snapshotOf(pid: number, dir: string, origin: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  for (let waited = 0; waited < 120_000; waited += 250) {
    await sleep(250);
    const fresh = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    if (fresh === undefined) continue;
    // the gateway writes it synchronously: it is complete once the gateway answers again
    const res = await request(`${origin}/health`, { method: "GET" });
    await res.body.dump();
    return join(dir, fresh);
  }
  throw new Error("no heap snapshot within 120 s");
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const builds = [stringFlag(flags, "a", "."), ...(flags.has("b") ? [stringFlag(flags, "b", ".")] : [])].map((d) => resolve(d));
  const streams = numberFlag(flags, "streams", 300);
  const top = numberFlag(flags, "top", 40);
  const dir = resolve("bench/results/heap");
  mkdirSync(dir, { recursive: true });
  const layout = pinCores();
  console.log(layout.note);
  const fakes = await startFakes(layout.load);
  const agent = streamAgent();
  const target = (origin: string) => ({ url: origin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: agent });
  try {
    for (const build of builds) {
      if (!existsSync(join(build, "dist/index.js"))) throw new Error(`${build}: no dist/index.js (npm run build)`);
      const { proc, origin } = await startGateway({
        core: layout.arm,
        fakes,
        cwd: build,
        nodeArgs: ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${dir}`],
        timeoutMs: 60_000,
      });
      try {
        await fakes.main.setKnobs({ chunks: 20, intervalMs: 10, ttfbMs: 0 });
        await runStreams({ target: target(origin), count: 300, rampMs: 1_000, expectedFrames: 24, intervalMs: 10, timedGaps: 0 });
        await sleep(1_000);
        const idleRss = rssMiB(proc.pid);
        const idle = await snapshotOf(proc.pid, dir, origin);
        // long streams (60 s): every one is still open when the second snapshot is taken
        await fakes.main.setKnobs({ chunks: 600, intervalMs: 100, ttfbMs: 20 });
        const open: OpenStream[] = [];
        for (let i = 0; i < streams; i++) {
          open.push(openStream(target(origin)));
          if (i % 10 === 9) await sleep(20);
        }
        await Promise.all(open.map((s) => s.firstFrame));
        await sleep(500);
        const peakRss = rssMiB(proc.pid);
        const peak = await snapshotOf(proc.pid, dir, origin);
        const timings = await Promise.all(open.map((s) => s.done));
        const failed = timings.filter((t) => t.error !== undefined || t.status !== 200);
        console.log(`\n${build}: ${streams - failed.length} streams ok, ${failed.length} failed (${failed[0]?.error ?? failed[0]?.status ?? "-"}); RSS idle ${idleRss.toFixed(1)} MiB, with ${streams} streams ${peakRss.toFixed(1)} MiB`);
        const [a, b] = [groups(idle), groups(peak)];
        const rows = [...b].map(([key, g]) => {
          const was = a.get(key) ?? { count: 0, bytes: 0 };
          return { key, count: g.count - was.count, bytes: g.bytes - was.bytes };
        });
        const total = rows.reduce((sum, r) => sum + r.bytes, 0);
        // per stream open at the snapshot (one client response each), whatever finished or failed early
        const live = rows.find((r) => r.key === "object ServerResponse")?.count ?? streams;
        console.log(`${live} responses open at the snapshot; heap objects' self size added: ${(total / 1024 / 1024).toFixed(1)} MiB, ${(total / live).toFixed(0)} B per open stream (${idle} → ${peak})`);
        console.log("| B per stream | per stream | kind and constructor |\n|---:|---:|---|");
        for (const r of rows.sort((x, y) => y.bytes - x.bytes).slice(0, top)) {
          console.log(`| ${(r.bytes / live).toFixed(0)} | ${(r.count / live).toFixed(2)} | ${r.key} |`);
        }
      } finally {
        await proc.stop();
      }
    }
  } finally {
    await Promise.all(fakes.all.map((f) => f.proc.stop()));
    await agent.close();
  }
}

await main();
