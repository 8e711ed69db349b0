// CPU per request of two gateway builds, A and B, on the same core against the same fakes: for
// A/B decisions on a shared machine, where the full runner's wall-clock numbers move with other
// work and even CPU time per request swings by a quarter from one minute to the next (caches and
// the sibling hyperthread are shared). Each round loads A and B at the same time, with the same
// fixed number of requests each, so both see the same machine; it reads each process' CPU time
// from /proc, and the median of the per-round B/A ratios is the answer. Both builds need
// `npm run build` (they run from their `dist/`).
//
//   node bench/experiments/ab-cpu.ts --a ../base --b . [--rounds 6] [--requests 3000]
//        [--connections 16] [--tokens 0] [--stream] [--chunks 20] [--model M] [--header "name: value"]
//        [--a-model M] [--a-header "name: value"] [--a-env NAME=value] [--a-node-arg FLAG] [--lane chat] [--unique]
//
// --tokens N sends a user message of about N tokens (the bodies scenario's text) instead of the
// one-line prompt. --model and --header change the request of both builds (the cache scenario:
// `--model gpt-4o-mini-cached --header "cache-control: no-cache"`); --a-model and --a-header give
// A its own, so one build can be compared with itself on two requests (`--a . --b .`: a cache
// miss against the cache off). --stream asks for streams (with usage, as the streams scenarios
// do): the fake sends the role frame and `--chunks` (20) content frames 10 ms apart, then finish,
// usage and [DONE]. --lane loads another door's lane (bench/harness/lanes.ts: messages,
// responses, ...) with its JSON request instead of chat (--header still applies). --a-env sets
// one environment variable for A only (`--a . --b . --a-env LOG_LEVEL=warn`: what the access
// line costs). --a-node-arg gives A one Node flag, for those NODE_OPTIONS refuses
// (`--a-node-arg=--single-threaded-gc`). --unique numbers every chat prompt, so each request is
// one the gateway has not seen (on a cached model, a miss that stores a new entry, with no
// `Cache-Control` needed: `--a . --b . --unique --a-model gpt-4o-mini --model gpt-4o-mini-cached`).
import { resolve } from "node:path";
import { headerPair, numberFlag, parseFlags, stringFlag } from "../cli/flags.ts";
import { startGateway } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { laneNamed } from "../harness/lanes.ts";
import { chatBody, CHAT_PATH, contentOfTokens, headers, numberedChatBodies } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import { processTicks } from "../process/machine-load.ts";
import { pinCores } from "../process/pin.ts";
import { rssMiB } from "../process/rss.ts";
import type { PinnedProcess } from "../process/spawn.ts";

const TICK_US = 10_000;

interface Build {
  readonly label: string;
  readonly proc: PinnedProcess;
  readonly origin: string;
  readonly body: string;
  /** Each request's own body, when every request differs (--unique). */
  readonly nextBody: (() => string) | undefined;
  readonly headers: Record<string, string>;
}

/** `NAME=value` as an environment object; none for undefined. */
function envPair(pair: string | undefined): Record<string, string> {
  if (pair === undefined) return {};
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new Error(`--a-env must be NAME=value, got ${pair}`);
  return { [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const dirs = { A: resolve(stringFlag(flags, "a", ".")), B: resolve(stringFlag(flags, "b", ".")) };
  const rounds = numberFlag(flags, "rounds", 6);
  const requests = numberFlag(flags, "requests", 3_000);
  const connections = numberFlag(flags, "connections", 16);
  const tokens = numberFlag(flags, "tokens", 0);
  const lane = laneNamed(stringFlag(flags, "lane", "chat"));
  const chat = lane.name === "chat";
  const content = tokens > 0 ? contentOfTokens(tokens) : undefined;
  const stream = flags.has("stream");
  const chunks = numberFlag(flags, "chunks", 20);
  const model = flags.get("model");
  const header = flags.get("header");
  const unique = flags.has("unique");
  if (unique && !chat) throw new Error("--unique numbers chat prompts: use it with the chat lane");
  const request = (side: "A" | "B") => {
    const sideModel = side === "A" ? (flags.get("a-model") ?? model) : model;
    const sideHeader = side === "A" ? (flags.get("a-header") ?? header) : header;
    if (!chat) return { body: lane.body(false), nextBody: undefined, headers: { ...lane.headers, ...headerPair(sideHeader) } };
    const shape = { ...(content === undefined ? {} : { content }), ...(sideModel === undefined ? {} : { model: sideModel }), ...(stream ? { stream } : {}) };
    return { body: chatBody(shape), nextBody: unique ? numberedChatBodies(shape) : undefined, headers: { ...headers, ...headerPair(sideHeader) } };
  };
  const layout = pinCores();
  console.log(layout.note);
  const fakes = await startFakes(layout.load);
  if (stream) await fakes.main.setKnobs({ chunks, intervalMs: 10 });
  const builds: Build[] = [];
  try {
    for (const [label, dir] of Object.entries(dirs)) {
      const nodeArg = label === "A" ? flags.get("a-node-arg") : undefined;
      const { proc, origin } = await startGateway({ core: layout.arm, fakes, cwd: dir, env: label === "A" ? envPair(flags.get("a-env")) : {}, nodeArgs: nodeArg === undefined ? [] : [nodeArg] });
      builds.push({ label: `${label} (${dir})`, proc, origin, ...request(label as "A" | "B") });
    }
    const load = (build: Build, amount: number) =>
      runLoad({ url: build.origin + (chat ? CHAT_PATH : lane.path), body: build.body, ...(build.nextBody === undefined ? {} : { nextBody: build.nextBody }), headers: build.headers, connections, durationSec: 600, amount });
    for (const build of builds) await load(build, Math.min(requests, 2_000)); // warm-up: JIT, tokenizer, pools
    const perRequest: number[][] = builds.map(() => []);
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const before = builds.map((b) => processTicks(b.proc.child.pid as number));
      const results = await Promise.all(builds.map((b) => load(b, requests)));
      builds.forEach((build, i) => {
        const r = results[i];
        if (r === undefined) return;
        const us = ((processTicks(build.proc.child.pid as number) - (before[i] ?? 0)) * TICK_US) / Math.max(1, r.ok);
        if (r.non2xx > 0 || r.errors > 0) console.log(`${build.label}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        (perRequest[i] as number[]).push(us);
      });
      const a = perRequest[0]?.[round] ?? Number.NaN;
      const b = perRequest[1]?.[round] ?? Number.NaN;
      ratios.push(b / a);
      console.log(`round ${round + 1}: A ${a.toFixed(0)} µs, B ${b.toFixed(0)} µs per request, B/A ${(b / a).toFixed(3)}`);
    }
    console.log(`RSS after: ${builds.map((b) => `${b.label.slice(0, 1)} ${rssMiB(b.proc.child.pid as number).toFixed(1)} MiB`).join(", ")}`);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
    console.log(
      `\nmedian CPU per request: A ${median(perRequest[0] ?? []).toFixed(0)} µs, B ${median(perRequest[1] ?? []).toFixed(0)} µs; ` +
        `median B/A ${median(ratios).toFixed(3)} (${rounds} rounds of ${requests} requests, ${connections} connections, ${chat ? `${tokens || "one-line"} prompt${unique ? "s, each new" : ""}${stream ? `, streams of ${chunks} chunks` : ""}` : `${lane.name} lane`})`,
    );
  } finally {
    await Promise.all([...builds.map((b) => b.proc.stop()), ...fakes.all.map((f) => f.proc.stop())]);
  }
}

await main();
