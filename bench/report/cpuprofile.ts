// Self time per function from a V8 .cpuprofile (what `node --cpu-prof` writes), and per
// package, so a profile can be read without DevTools.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  pct: number;
}

function where(frame: CallFrame): string {
  if (frame.url === "") return "(native)";
  // The gateway runs from dist/ (as `npm start` does), whose layout is src/'s: both read as src/.
  const short = frame.url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "node_modules/")
    .replace(/^.*\/(src|bench)\//, "$1/")
    .replace(/^(?!node_modules\/).*\/dist\//, "src/");
  return `${short}:${frame.lineNumber + 1}`;
}

/** Which package or layer a frame belongs to: an npm package, src/<folder>, node internals, or V8. */
export function layerOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const pkg = url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (pkg) return pkg[1] as string;
  const src = url.match(/\/(?:src|dist)\/([^/]+)\//);
  if (src) return `src/${src[1] as string}`;
  if (/\/(?:src|dist)\/[^/]+\.[jt]s$/.test(url)) return "src";
  if (url.startsWith("node:internal/deps/undici")) return "node's bundled undici (fetch)";
  if (url.startsWith("node:")) return "node internals";
  return url;
}

/** Sample time per node id: exact from timeDeltas when present, else hitCount × mean interval. */
function timePerNode(profile: CpuProfile): Map<number, number> {
  const out = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    for (let i = 0; i < profile.samples.length; i++) {
      // a delta is the time before sample i; charge the gap after it to the next sample's node
      const id = profile.samples[i] as number;
      const next = profile.timeDeltas[i + 1] ?? 0;
      out.set(id, (out.get(id) ?? 0) + next / 1000);
    }
    return out;
  }
  const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const interval = hits > 0 ? (profile.endTime - profile.startTime) / 1000 / hits : 0;
  for (const node of profile.nodes) out.set(node.id, (node.hitCount ?? 0) * interval);
  return out;
}

export function selfTimes(profile: CpuProfile): { functions: SelfTime[]; layers: SelfTime[]; totalMs: number } {
  const time = timePerNode(profile);
  const byFunction = new Map<string, SelfTime>();
  const byLayer = new Map<string, SelfTime>();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = time.get(node.id) ?? 0;
    if (ms === 0) continue;
    total += ms;
    const name = node.callFrame.functionName || "(anonymous)";
    const at = where(node.callFrame);
    const key = `${name}@${at}`;
    const fn = byFunction.get(key) ?? { name, where: at, ms: 0, pct: 0 };
    fn.ms += ms;
    byFunction.set(key, fn);
    const layer = layerOf(node.callFrame);
    const l = byLayer.get(layer) ?? { name: layer, where: "", ms: 0, pct: 0 };
    l.ms += ms;
    byLayer.set(layer, l);
  }
  const finish = (items: Iterable<SelfTime>) =>
    [...items].map((s) => ({ ...s, pct: total > 0 ? (100 * s.ms) / total : 0 })).sort((a, b) => b.ms - a.ms);
  return { functions: finish(byFunction.values()), layers: finish(byLayer.values()), totalMs: total };
}

/**
 * Inclusive time: each sample counts once for every distinct function (and layer) on its stack,
 * so "how long was spent inside the logger" includes what the logger called.
 */
export function inclusiveTimes(profile: CpuProfile): { functions: SelfTime[]; layers: SelfTime[]; totalMs: number } {
  const time = timePerNode(profile);
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const byFunction = new Map<string, SelfTime>();
  const byLayer = new Map<string, SelfTime>();
  let total = 0;
  for (const [id, ms] of time) {
    if (ms === 0) continue;
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === "(idle)") continue;
    total += ms;
    const seenFunctions = new Set<string>();
    const seenLayers = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (!node || node.callFrame.functionName === "(root)") continue;
      const name = node.callFrame.functionName || "(anonymous)";
      const place = where(node.callFrame);
      const key = `${name}@${place}`;
      if (!seenFunctions.has(key)) {
        seenFunctions.add(key);
        const fn = byFunction.get(key) ?? { name, where: place, ms: 0, pct: 0 };
        fn.ms += ms;
        byFunction.set(key, fn);
      }
      const layer = layerOf(node.callFrame);
      if (!seenLayers.has(layer)) {
        seenLayers.add(layer);
        const l = byLayer.get(layer) ?? { name: layer, where: "", ms: 0, pct: 0 };
        l.ms += ms;
        byLayer.set(layer, l);
      }
    }
  }
  const finish = (items: Iterable<SelfTime>) =>
    [...items].map((s) => ({ ...s, pct: total > 0 ? (100 * s.ms) / total : 0 })).sort((a, b) => b.ms - a.ms);
  return { functions: finish(byFunction.values()), layers: finish(byLayer.values()), totalMs: total };
}

const UNOWNED = new Set(["node internals", "(native)", "(program)"]);

/**
 * Time per "owner": each sample goes to the innermost frame on its stack that belongs to a
 * package or to our code, so a socket write done for undici counts as undici's and one done
 * for the reply writer as src/http's. GC and idle stay on their own lines.
 */
export function ownerTimes(profile: CpuProfile): { owners: SelfTime[]; totalMs: number } {
  const time = timePerNode(profile);
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const owners = new Map<string, SelfTime>();
  let total = 0;
  for (const [id, ms] of time) {
    const leaf = byId.get(id);
    if (ms === 0 || !leaf || leaf.callFrame.functionName === "(idle)") continue;
    total += ms;
    let owner = layerOf(leaf.callFrame);
    if (UNOWNED.has(owner) || owner.startsWith("wasm://")) {
      for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
        const node = byId.get(at);
        if (!node) break;
        const layer = layerOf(node.callFrame);
        if (!UNOWNED.has(layer) && !layer.startsWith("wasm://") && layer !== "(root)") {
          owner = layer;
          break;
        }
      }
    }
    const entry = owners.get(owner) ?? { name: owner, where: "", ms: 0, pct: 0 };
    entry.ms += ms;
    owners.set(owner, entry);
  }
  const list = [...owners.values()].map((o) => ({ ...o, pct: total > 0 ? (100 * o.ms) / total : 0 })).sort((a, b) => b.ms - a.ms);
  return { owners: list, totalMs: total };
}
