// Resident memory of another process, from /proc/PID/status (VmRSS, reported in kB).
import { readFileSync } from "node:fs";

export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples RSS every `everyMs` until stopped; returns the peak seen. */
export function watchPeakRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    const now = rssMiB(pid);
    if (now > peak || Number.isNaN(peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const now = rssMiB(pid);
      return Math.max(peak, Number.isNaN(now) ? peak : now);
    },
  };
}
