// Tail diagnostics for an arm process: event-loop delay, GC pauses and CPU time, printed as one
// JSON line on SIGUSR2 (then reset), so the experiments can read them without touching routes.
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";

export interface ArmStats {
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** GC pauses by kind (minor = scavenge, major = mark-sweep-compact, ...). */
  gcByKind: Record<string, { count: number; maxMs: number }>;
  cpuUserMs: number;
  cpuSystemMs: number;
  wallMs: number;
  /** process.memoryUsage() in MiB: where resident memory sits (JS heap, buffers, WASM). */
  memoryMiB: Record<string, number>;
}

const GC_KINDS: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" };

export function startArmStats(): void {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let gc: PerformanceEntry[] = [];
  new PerformanceObserver((list) => {
    gc.push(...list.getEntries());
  }).observe({ entryTypes: ["gc"] });
  let cpu = process.cpuUsage();
  let since = performance.now();

  process.on("SIGUSR2", () => {
    const used = process.cpuUsage(cpu);
    const byKind: ArmStats["gcByKind"] = {};
    for (const entry of gc) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = GC_KINDS[detail?.kind ?? 0] ?? "other";
      const slot = (byKind[kind] ??= { count: 0, maxMs: 0 });
      slot.count++;
      slot.maxMs = Math.max(slot.maxMs, entry.duration);
    }
    const stats: ArmStats = {
      loopDelayP50Ms: loop.percentile(50) / 1e6,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      gcCount: gc.length,
      gcTotalMs: gc.reduce((sum, e) => sum + e.duration, 0),
      gcMaxMs: gc.reduce((max, e) => Math.max(max, e.duration), 0),
      gcByKind: byKind,
      cpuUserMs: used.user / 1000,
      cpuSystemMs: used.system / 1000,
      wallMs: performance.now() - since,
      memoryMiB: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round((v / 2 ** 20) * 10) / 10])),
    };
    console.log(JSON.stringify({ armStats: stats }));
    loop.reset();
    gc = [];
    cpu = process.cpuUsage();
    since = performance.now();
  });
}
