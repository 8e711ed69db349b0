// `npm run bench`: every arm measured in one run, interleaved in rounds (for each round, for
// each scenario, arm A B C …), medians of rounds printed as a table with ratios to the direct
// arm and to the bare undici proxy. See "Performance" in README.md and bench/FINDINGS.md.
//
//   node bench/run.ts [--quick] [--rounds N] [--only name,...] [--soak] [--json FILE] [--cpu-prof]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { parseFlags } from "./cli/flags.ts";
import { ARMS, startArm, type ArmSpec, type RunningArm } from "./harness/arms.ts";
import { startFakes, type Fakes } from "./harness/fakes.ts";
import { chatBody, CHAT_PATH, headers } from "./harness/requests.ts";
import { runLoad } from "./load/autocannon-run.ts";
import { runStreams, streamAgent } from "./load/stream-client.ts";
import { startLoadMeter } from "./process/machine-load.ts";
import { pinCores } from "./process/pin.ts";
import { rssMiB } from "./process/rss.ts";
import { record, toJson, type RoundResults } from "./report/collect.ts";
import { renderTable } from "./report/table.ts";
import { renderTargets } from "./report/targets.ts";
import { bodies } from "./scenarios/bodies.ts";
import { cache } from "./scenarios/cache.ts";
import { coldStart } from "./scenarios/cold-start.ts";
import { embeddings } from "./scenarios/embeddings.ts";
import { chunks } from "./scenarios/chunks.ts";
import { responses, responsesTranslated } from "./scenarios/responses.ts";
import { fallback } from "./scenarios/fallback.ts";
import { fixedRate, latency, throughput } from "./scenarios/load.ts";
import { messages, messagesTranslated } from "./scenarios/messages.ts";
import { fullProfile, quickProfile, type Profile } from "./scenarios/profile.ts";
import { soak } from "./scenarios/soak.ts";
import { disconnectStorm } from "./scenarios/storm.ts";
import { streams100, streams1000 } from "./scenarios/streams.ts";
import type { Scenario, ScenarioContext } from "./scenarios/types.ts";

const SCENARIOS: readonly Scenario[] = [throughput, latency, fixedRate, streams100, streams1000, bodies, fallback, embeddings, responses, responsesTranslated, messages, messagesTranslated, chunks, cache, disconnectStorm, coldStart];

const HELP = `usage: node bench/run.ts [options]
  --quick          short durations, ${quickProfile.rounds} rounds (a smoke run, not for publishing)
  --rounds N       override the number of rounds (default ${fullProfile.rounds})
  --only a,b       arms (${ARMS.map((a) => a.name).join(", ")}) and/or scenarios
                   (${[...SCENARIOS, soak].map((s) => s.name).join(", ")}); direct and undici always run
                   when any arm is named, since every ratio needs them
  --soak           also run the ${fullProfile.soakSec / 60}-minute RSS soak per arm (${quickProfile.soakSec} s with --quick);
                   with arms in --only, only those arms soak (--soak --only gateway,soak: the gateway alone)
  --json FILE      write every round's raw metrics and the medians as JSON
  --cpu-prof       run arm processes under node --cpu-prof (profiles in bench/results/)
scenarios:
${[...SCENARIOS, soak].map((s) => `  ${s.name.padEnd(12)} ${s.about}`).join("\n")}`;

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

function selection(only: string | undefined): { arms: ArmSpec[]; named: Set<string>; scenarios: Scenario[]; soakOnly: boolean } {
  const names = new Set((only ?? "").split(",").map((s) => s.trim()).filter(Boolean));
  const known = new Set([...ARMS.map((a) => a.name as string), ...SCENARIOS.map((s) => s.name), soak.name]);
  for (const name of names) if (!known.has(name)) throw new Error(`--only: unknown name "${name}"\n\n${HELP}`);
  const namedArms = ARMS.filter((a) => names.has(a.name));
  const arms = namedArms.length === 0 ? [...ARMS] : ARMS.filter((a) => names.has(a.name) || a.name === "direct" || a.name === "undici");
  const namedScenarios = SCENARIOS.filter((s) => names.has(s.name));
  return {
    arms,
    named: new Set(namedArms.map((a) => a.name)),
    scenarios: namedScenarios.length === 0 ? [...SCENARIOS] : namedScenarios,
    soakOnly: names.has(soak.name) && namedScenarios.length === 0,
  };
}

async function warmUp(arm: RunningArm, agent: ReturnType<typeof streamAgent>, profile: Profile): Promise<void> {
  await runLoad({ url: arm.origin + CHAT_PATH, body: chatBody(), headers, connections: 16, durationSec: profile.warmupSec });
  await runStreams({
    target: { url: arm.origin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: agent },
    count: 50,
    rampMs: 200,
    expectedFrames: 0,
    intervalMs: 10,
    timedGaps: 0,
  });
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has("help")) {
    console.log(HELP);
    return;
  }
  const base = flags.has("quick") ? quickProfile : fullProfile;
  const profile: Profile = { ...base, rounds: flags.has("rounds") ? Number(flags.get("rounds")) : base.rounds };
  const { arms: wanted, named, scenarios, soakOnly } = selection(flags.get("only"));
  const runSoak = flags.has("soak") || soakOnly;
  const roundScenarios = soakOnly ? [] : scenarios;
  const nodeArgs = flags.has("cpu-prof") ? ["--cpu-prof", "--cpu-prof-dir", "bench/results"] : [];
  if (nodeArgs.length > 0) mkdirSync("bench/results", { recursive: true });

  const layout = pinCores();
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  log(`node ${process.version}, ${cpu}`);
  log(layout.note);
  log(`profile: ${flags.has("quick") ? "quick" : "full"}, ${profile.rounds} rounds; scenarios: ${roundScenarios.map((s) => s.name).join(", ")}${runSoak ? ", soak" : ""}`);

  const arms: ArmSpec[] = [];
  for (const spec of wanted) {
    const reason = spec.unavailable();
    if (reason) log(`arm ${spec.name} skipped: ${reason}`);
    else arms.push(spec);
  }

  const started: RunningArm[] = [];
  const twins = new Map<string, Promise<RunningArm>>();
  let fakes: Fakes | undefined;
  const agent = streamAgent();
  const cleanup = async () => {
    await Promise.allSettled([...started.map((a) => a.stop()), ...[...twins.values()].map(async (twin) => (await twin).stop())]);
    if (fakes) await Promise.allSettled(fakes.all.map((f) => f.proc.stop()));
    await agent.close().catch(() => undefined);
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

  const t0 = performance.now();
  const meter = startLoadMeter();
  const results: RoundResults = new Map();
  try {
    fakes = await startFakes(layout.load);
    for (const fake of fakes.all) meter.track(fake.proc.pid);
    log(`fakes: main :${fakes.main.port} (pid ${fakes.main.proc.pid}), second :${fakes.second.port}, always-500 :${fakes.failing.port} → core ${layout.load ?? "any"}`);
    for (const spec of arms) {
      const arm = await startArm(spec, { fakes, core: layout.arm, nodeArgs });
      started.push(arm);
      if (arm.proc) meter.track(arm.proc.pid);
      log(`arm ${spec.name}: ${arm.origin}${arm.proc ? ` (pid ${arm.proc.pid}) → core ${layout.arm ?? "any"}` : " (no process: the client talks to the fake)"}`);
    }
    for (const arm of started) await warmUp(arm, agent, profile);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const arm of started) record(results, "idle", arm.spec.name, { rss: arm.proc ? rssMiB(arm.proc.pid) : Number.NaN });

    const running = fakes;
    const twinOf = (arm: RunningArm) => (n: number) => {
      const name = `${arm.spec.name}'s twin ${n}`;
      let twin = twins.get(name);
      if (twin === undefined) {
        twin = startArm(arm.spec, { fakes: running, core: layout.arm, nodeArgs }).then(async (spare) => {
          if (spare.proc) meter.track(spare.proc.pid);
          log(`arm ${name}: ${spare.origin}${spare.proc ? ` (pid ${spare.proc.pid}) → core ${layout.arm ?? "any"}` : ""}`);
          await warmUp(spare, agent, profile);
          return spare;
        });
        twins.set(name, twin);
      }
      return twin;
    };
    for (let round = 1; round <= profile.rounds && roundScenarios.length > 0; round++) {
      for (const scenario of roundScenarios) {
        for (const arm of started) {
          if (!scenario.appliesTo(arm.spec.name)) continue;
          const ctx: ScenarioContext = { arm, fakes, profile, agent, core: layout.arm, log, twin: twinOf(arm) };
          record(results, scenario.name, arm.spec.name, await scenario.run(ctx));
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      }
      log(`round ${round}/${profile.rounds} done (${((performance.now() - t0) / 1000).toFixed(0)} s; other work on this machine so far: ${(100 * meter.foreignShare()).toFixed(0)}% of CPU)`);
    }
    if (runSoak) {
      for (const arm of started) {
        // ten minutes each: only the arms named in --only, when some are
        if (!soak.appliesTo(arm.spec.name) || (named.size > 0 && !named.has(arm.spec.name))) continue;
        log(`soak: ${arm.spec.name} for ${profile.soakSec} s`);
        record(results, soak.name, arm.spec.name, await soak.run({ arm, fakes, profile, agent, core: layout.arm, log, twin: twinOf(arm) }));
      }
    }
  } finally {
    await cleanup();
  }

  const foreign = meter.foreignShare();
  const columns = ARMS.filter((a) => started.some((s) => s.spec.name === a.name)).map((a) => ({ name: a.name, label: a.label }));
  console.log("");
  console.log(`${layout.note}. node ${process.version}, ${cpu}. ${profile.rounds} rounds, medians; ×D = ratio to direct, ×U = ratio to the bare undici proxy.`);
  console.log(`Other processes used ${(100 * foreign).toFixed(0)}% of the machine's CPU during the run${foreign > 0.05 ? " — expect noisier numbers than on an idle machine" : ""}.`);
  console.log("");
  console.log(renderTable(results, columns, profile));
  if (started.some((a) => a.spec.name === "gateway")) {
    console.log("");
    console.log(renderTargets(results, profile));
  }
  log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const jsonPath = flags.get("json");
  if (jsonPath !== undefined) {
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify({ node: process.version, cpu, layout, foreignCpuShare: foreign, profile, arms: columns, results: toJson(results) }, null, 2));
    log(`wrote ${jsonPath}`);
  }
}

await main();
