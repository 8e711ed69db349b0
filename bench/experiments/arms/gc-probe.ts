// Preloaded into a gateway (`node --expose-gc --import`) by leak-check.ts: on SIGUSR2, a full
// garbage collection, then one JSON line with the heap still in use appended to $GC_PROBE_FILE.
import { appendFileSync } from "node:fs";

const file = process.env["GC_PROBE_FILE"];
if (file === undefined) throw new Error("GC_PROBE_FILE is not set");
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error("gc-probe needs node --expose-gc");
process.on("SIGUSR2", () => {
  collect();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  appendFileSync(file, `${JSON.stringify({ at: Date.now(), heapUsed, external, arrayBuffers, rss })}\n`);
});
