// Preloaded into a gateway (`node --import`) by alloc-profile.ts: samples every allocation,
// including objects the young-generation GC has already freed (the ones that make GC work), and
// writes the profile to $HEAP_SAMPLE_FILE on SIGUSR2. With HEAP_SAMPLE_LIVE=1 only what is still
// on the heap when the profile is written (retained, or promoted and not yet collected) counts.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

const file = process.env["HEAP_SAMPLE_FILE"];
if (file === undefined) throw new Error("HEAP_SAMPLE_FILE is not set");
const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
// Every 4 KB allocated on average: fine enough for per-request allocations, light enough for load.
const all = process.env["HEAP_SAMPLE_LIVE"] !== "1";
await session.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: all, includeObjectsCollectedByMinorGC: all });
process.on("SIGUSR2", () => {
  void session.post("HeapProfiler.stopSampling").then(({ profile }) => writeFileSync(file, JSON.stringify(profile)));
});
