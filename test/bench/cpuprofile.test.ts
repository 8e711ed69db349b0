// The CPU profile summaries: self time per function and package, inclusive time, and the
// "owner" view that charges node internals to the package that called them.
import { describe, expect, it } from "vitest";
import { inclusiveTimes, layerOf, ownerTimes, selfTimes, type CpuProfile } from "../../bench/report/cpuprofile.ts";

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

// root → handler (src/http) → request (undici) → writev (native)
//                           → log (pino)
//      → (idle)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)", ""), children: [2, 6] },
    { id: 2, callFrame: frame("handler", "file:///app/src/http/routes/chat.ts"), children: [3, 5] },
    { id: 3, callFrame: frame("request", "file:///app/node_modules/undici/lib/api/api-request.js"), children: [4] },
    { id: 4, callFrame: frame("writev", ""), children: [] },
    { id: 5, callFrame: frame("LOG", "file:///app/node_modules/pino/lib/tools.js"), children: [] },
    { id: 6, callFrame: frame("(idle)", ""), children: [] },
  ],
  // each sample is charged the time delta that follows it (in µs)
  samples: [4, 4, 5, 2, 6, 4],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
  startTime: 0,
  endTime: 6000,
};

describe("cpuprofile summaries", () => {
  it("names layers by package, src folder, or node/V8", () => {
    expect(layerOf(frame("x", "file:///a/node_modules/@hono/node-server/dist/index.mjs"))).toBe("@hono/node-server");
    expect(layerOf(frame("x", "file:///a/src/limits/limiter.ts"))).toBe("src/limits");
    expect(layerOf(frame("x", "node:internal/deps/undici/undici"))).toBe("node's bundled undici (fetch)");
    expect(layerOf(frame("x", "node:_http_server"))).toBe("node internals");
    expect(layerOf(frame("(garbage collector)", ""))).toBe("(garbage collector)");
  });

  it("adds up self time per function and per layer", () => {
    const { functions, layers, totalMs } = selfTimes(profile);
    expect(totalMs).toBeCloseTo(5); // the last sample has no following delta
    expect(functions[0]).toMatchObject({ name: "writev", ms: 2 });
    expect(layers.find((l) => l.name === "(idle)")?.ms).toBe(1);
    expect(layers.find((l) => l.name === "pino")?.ms).toBe(1);
  });

  it("counts each sample once per function on its stack, idle left out", () => {
    const { functions, totalMs } = inclusiveTimes(profile);
    expect(totalMs).toBeCloseTo(4);
    expect(functions.find((f) => f.name === "handler")?.ms).toBe(4);
    expect(functions.find((f) => f.name === "request")?.ms).toBe(2);
  });

  it("charges native work to the innermost package that asked for it", () => {
    const { owners } = ownerTimes(profile);
    expect(owners.find((o) => o.name === "undici")?.ms).toBe(2);
    expect(owners.find((o) => o.name === "pino")?.ms).toBe(1);
    expect(owners.find((o) => o.name === "src/http")?.ms).toBe(1);
    expect(owners.some((o) => o.name === "(native)" || o.name === "(idle)")).toBe(false);
  });
});
