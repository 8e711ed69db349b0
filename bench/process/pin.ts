// Core layout: the arm under test on core 0; fakes and the load generator (this process) on core 1.
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

export interface CoreLayout {
  arm: number | undefined;
  load: number | undefined;
  note: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of this process to the load core (taskset -a) and says what it did. */
export function pinCores(): CoreLayout {
  const cores = availableParallelism();
  if (cores < 2 || !hasTaskset()) {
    return { arm: undefined, load: undefined, note: `UNPINNED: ${cores} core(s), taskset ${hasTaskset() ? "present" : "missing"}; ratios are less trustworthy` };
  }
  execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
  return { arm: 0, load: 1, note: `pinned with taskset: arm under test → core 0; fake upstreams + load generator (pid ${process.pid}) → core 1 (${cores} cores seen)` };
}
