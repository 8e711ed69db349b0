// Cold start A/B: spawn → first 200 for two builds, interleaved, plus the child's CPU (utime+stime from /proc) at that moment.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { freePort, gatewayEnv, GATEWAY_CONFIG, waitForFirst200 } from "../harness/arms.ts";
import { startFakes } from "../harness/fakes.ts";
import { spawnPinned } from "../process/spawn.ts";

const { values } = parseArgs({ options: { a: { type: "string" }, b: { type: "string" }, rounds: { type: "string", default: "10" }, "node-args": { type: "string", default: "" }, core: { type: "string", default: "0" }, "env-b": { type: "string" } } });
const dirs = [values.a ?? "/work/base", values.b ?? "."];
if (dirs[0] === dirs[1]) dirs[1] += "/";
const fakes = await startFakes(1);
const hz = 100;
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / hz;
};
const res: Record<string, { wall: number[]; cpu: number[] }> = {};
for (let r = 0; r < Number(values.rounds); r++) {
  for (const dir of dirs) {
    const port = await freePort();
    const since = performance.now();
    const proc = spawnPinned({ core: Number(values.core), script: `${dir}/dist/index.js`, args: ["--config", GATEWAY_CONFIG], nodeArgs: values["node-args"] ? values["node-args"].split(" ") : [], env: { ...gatewayEnv(fakes, port), ...(dir === dirs[1] && values["env-b"] ? Object.fromEntries([values["env-b"].split("=")]) : {}) }, stdout: "discard" });
    const wall = await waitForFirst200(`http://127.0.0.1:${port}`, since, 15_000, () => proc.child.exitCode === null);
    const cpu = cpuMs(proc.pid);
    await proc.stop();
    (res[dir] ??= { wall: [], cpu: [] }).wall.push(wall);
    res[dir].cpu.push(cpu);
  }
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
for (const [dir, { wall, cpu }] of Object.entries(res)) console.log(`${dir}: wall median ${med(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}), cpu median ${med(cpu)} ms (min ${Math.min(...cpu)})`);
for (const f of fakes.all) await f.proc.stop();
