// Cold start A/B: spawn → first 200 on a chat request (the coldstart scenario) for two builds,
// interleaved, with the child's CPU time (utime + stime from /proc) at that moment, which moves
// less than the wall time on a shared machine. A build is a directory with dist/ and
// node_modules (e.g. /work/base); the same directory twice compares it with itself.
//
//   node bench/experiments/cold-ab.ts --a /work/base --b . [--rounds 10] [--env-b NAME=VALUE]
//   node bench/experiments/cold-ab.ts --a . --b . "--node-args=--cpu-prof --cpu-prof-dir=/tmp/p"
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { freePort, gatewayEnv, GATEWAY_CONFIG, waitForFirst200 } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { spawnPinned } from "../process/spawn.ts";

const { values } = parseArgs({
  options: {
    a: { type: "string", default: "/work/base" },
    b: { type: "string", default: "." },
    rounds: { type: "string", default: "10" },
    "node-args": { type: "string", default: "" },
    core: { type: "string", default: "0" },
    "env-b": { type: "string" },
  },
});
const arms = [
  { label: `a ${values.a}`, dir: values.a, env: {} },
  { label: `b ${values.b}`, dir: values.b, env: values["env-b"] ? Object.fromEntries([values["env-b"].split("=")]) : {} },
];
const nodeArgs = values["node-args"] ? values["node-args"].split(" ") : [];
// /proc/PID/stat counts in clock ticks (USER_HZ, 100 on Linux)
const cpuMs = (pid: number) => {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;

const fakes = await startFakes(1);
const results = arms.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [i, arm] of arms.entries()) {
      const port = await freePort();
      const since = performance.now();
      const proc = spawnPinned({
        core: Number(values.core),
        script: `${arm.dir}/dist/index.js`,
        args: ["--config", GATEWAY_CONFIG],
        nodeArgs,
        env: { ...gatewayEnv(fakes, port), ...arm.env },
        stdout: "discard",
      });
      try {
        const wall = await waitForFirst200(`http://127.0.0.1:${port}`, since, 15_000, () => proc.child.exitCode === null);
        results[i]?.wall.push(wall);
        results[i]?.cpu.push(cpuMs(proc.pid));
      } finally {
        await proc.stop();
      }
    }
  }
} finally {
  await Promise.all(fakes.all.map((fake) => fake.proc.stop()));
}
for (const [i, arm] of arms.entries()) {
  const { wall, cpu } = results[i] ?? { wall: [], cpu: [] };
  console.log(`${arm.label}: wall median ${median(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}), CPU median ${median(cpu)} ms (min ${Math.min(...cpu)})`);
}
