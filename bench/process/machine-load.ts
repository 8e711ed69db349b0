// How busy the machine was with work that is not the benchmark's: total CPU time from /proc/stat
// minus the CPU time of the runner and its child processes. Other work on the two cores makes
// every number noisier, so the runner reports it next to the results.
import { readFileSync } from "node:fs";

function machineBusyTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU time of a process in clock ticks (1/100 s), user and system apart, children included. */
export function processTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime are fields 14–17 of the full line (11–14 after the command)
    return { user: Number(fields[11]) + Number(fields[13]), system: Number(fields[12]) + Number(fields[14]) };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

/** CPU time (user + system, children included) of a process in clock ticks (1/100 s). */
export function processTicks(pid: number): number {
  const { user, system } = processTimes(pid);
  return user + system;
}

/**
 * `run`'s result, and the CPU time process `pid` spent per answered request while it ran, in µs
 * (from ticks of 10 ms: a few thousand requests read to about 1 %); NaN without a process.
 */
export async function cpuPerAnswer<R extends { readonly ok: number }>(pid: number | undefined, run: () => Promise<R>): Promise<{ result: R; cpuUs: number }> {
  const before = pid === undefined ? Number.NaN : processTicks(pid);
  const result = await run();
  const cpuUs = pid === undefined ? Number.NaN : ((processTicks(pid) - before) * 10_000) / Math.max(1, result.ok);
  return { result, cpuUs };
}

export interface LoadMeter {
  /** Adds a process whose CPU time counts as the benchmark's own. */
  track(pid: number): void;
  /** Share (0..1) of all cores' time spent on other work since the meter started. */
  foreignShare(): number;
}

export function startLoadMeter(): LoadMeter {
  const start = machineBusyTicks();
  // the runner's own line includes (via cutime/cstime) every child it has already reaped
  const pids = new Map<number, number>([[process.pid, processTicks(process.pid)]]);
  return {
    track(pid) {
      if (!pids.has(pid)) pids.set(pid, processTicks(pid));
    },
    foreignShare() {
      const now = machineBusyTicks();
      let own = 0;
      for (const [pid, base] of pids) {
        const ticks = processTicks(pid);
        if (!Number.isNaN(ticks)) own += ticks - base; // an exited child is in the runner's cutime
      }
      const total = now.total - start.total;
      return total > 0 ? Math.max(0, (now.busy - start.busy - own) / total) : Number.NaN;
    },
  };
}
