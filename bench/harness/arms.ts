// The arms under comparison and how each is started. Every process arm runs on the arm core.
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { request } from "undici";
import { spawnPinned, spawnServer, type PinnedProcess } from "../process/spawn.ts";
import type { Fakes } from "./fakes.ts";
import { chatBody, CHAT_PATH, headers } from "./requests.ts";

export type ArmName = "direct" | "node-http" | "undici" | "hono-fetch" | "gateway" | "baseline";

/** The gateway, or a build of it to compare against (the baseline arm). */
export const isGateway = (arm: ArmName): arm is "gateway" | "baseline" => arm === "gateway" || arm === "baseline";

export interface ArmSpec {
  name: ArmName;
  label: string;
  /** Why this arm cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
}

export interface RunningArm {
  spec: ArmSpec;
  /** Origin the load generator targets. */
  origin: string;
  /** The arm's own process; undefined for the direct arm. */
  proc: PinnedProcess | undefined;
  stop(): Promise<void>;
}

export interface StartContext {
  fakes: Fakes;
  core: number | undefined;
  /** Extra node flags for the arm process (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** Listen on this port (cold start) instead of a free one chosen at start. */
  port?: number;
}

// What production runs (`npm start`): the compiled output; `npm run bench` builds it first.
const GATEWAY_ENTRY = "dist/index.js";
/**
 * An A/B arm: another build of the gateway (`npm run build` output copied aside, e.g. from
 * before a change), run with the same config in the same rounds, so a change is measured
 * against its baseline under the same load: BENCH_BASELINE_DIST=dist-base node bench/run.ts
 * --only baseline,gateway,messages.
 */
const BASELINE_DIST = process.env["BENCH_BASELINE_DIST"];
export const GATEWAY_CONFIG = "bench/gateway.yaml";

export const ARMS: readonly ArmSpec[] = [
  { name: "direct", label: "direct", unavailable: () => undefined },
  { name: "node-http", label: "node:http proxy", unavailable: () => undefined },
  { name: "undici", label: "undici proxy", unavailable: () => undefined },
  { name: "hono-fetch", label: "Hono+fetch", unavailable: () => undefined },
  {
    name: "gateway",
    label: "gateway",
    unavailable: () => (existsSync(GATEWAY_ENTRY) ? undefined : `${GATEWAY_ENTRY} is missing: run npm run build (npm run bench does)`),
  },
  {
    name: "baseline",
    label: "gateway (baseline)",
    unavailable: () =>
      BASELINE_DIST === undefined
        ? "set BENCH_BASELINE_DIST to another build's directory to compare against it"
        : existsSync(`${BASELINE_DIST}/index.js`)
          ? undefined
          : `${BASELINE_DIST}/index.js is missing`,
  },
];

const PROXY_SCRIPTS: Record<Exclude<ArmName, "direct" | "gateway" | "baseline">, string> = {
  "node-http": "bench/arms/node-http-proxy.ts",
  undici: "bench/arms/undici-proxy.ts",
  "hono-fetch": "bench/arms/hono-fetch-proxy.ts",
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export function gatewayEnv(fakes: Fakes, port: number): Record<string, string> {
  return {
    BENCH_GATEWAY_PORT: String(port),
    BENCH_FAKE_PORT: String(fakes.main.port),
    BENCH_FAKE2_PORT: String(fakes.second.port),
    BENCH_FAIL_PORT: String(fakes.failing.port),
  };
}

/** Polls with a real chat request until it answers 200; returns ms from `since`. */
export async function waitForFirst200(origin: string, since: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<number> {
  const body = chatBody();
  for (;;) {
    try {
      const res = await request(origin + CHAT_PATH, { method: "POST", headers, body });
      await res.body.dump();
      if (res.statusCode === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${origin} gave no 200 within ${timeoutMs} ms`);
    if (!isAlive()) throw new Error(`${origin}: the process exited before answering`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface GatewayLaunch extends StartContext {
  /** The build's folder (its `dist/`); the project itself by default. */
  cwd?: string;
  /** The entry under `cwd`. */
  script?: string;
  /** Variables on top of the bench's ports (gatewayEnv). */
  env?: Record<string, string>;
  /** How long to wait for the first 200. */
  timeoutMs?: number;
}

/** A gateway build on `bench/gateway.yaml` against the fakes, answering 200 before this resolves. */
export async function startGateway(launch: GatewayLaunch): Promise<{ proc: PinnedProcess; origin: string }> {
  const port = launch.port ?? (await freePort());
  const proc = spawnPinned({
    core: launch.core,
    ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
    script: launch.script ?? GATEWAY_ENTRY,
    args: ["--config", GATEWAY_CONFIG],
    nodeArgs: launch.nodeArgs ?? [],
    env: { ...gatewayEnv(launch.fakes, port), ...launch.env },
    stdout: "discard", // JSON request logs at info go to /dev/null, as a log shipper would take them
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForFirst200(origin, performance.now(), launch.timeoutMs ?? 15_000, () => proc.child.exitCode === null);
  } catch (err) {
    await proc.stop();
    throw new Error(`gateway did not start: ${err instanceof Error ? err.message : String(err)}\n${proc.stderrTail()}`);
  }
  return { proc, origin };
}

export async function startArm(spec: ArmSpec, ctx: StartContext): Promise<RunningArm> {
  if (spec.name === "direct") {
    return { spec, origin: ctx.fakes.main.origin, proc: undefined, stop: async () => undefined };
  }
  if (isGateway(spec.name)) {
    const { proc, origin } = await startGateway({
      ...ctx,
      script: spec.name === "baseline" ? `${BASELINE_DIST ?? "dist"}/index.js` : GATEWAY_ENTRY,
    });
    return { spec, origin, proc, stop: () => proc.stop() };
  }
  const { proc, port } = await spawnServer({
    core: ctx.core,
    script: PROXY_SCRIPTS[spec.name],
    args: ["--port", String(ctx.port ?? 0), "--upstream", ctx.fakes.main.origin],
    nodeArgs: ctx.nodeArgs ?? [],
    stdout: "pipe",
  });
  return { spec, origin: `http://127.0.0.1:${port}`, proc, stop: () => proc.stop() };
}

/** Spawn → first 200 on a chat request, for a fresh process of this arm on a fresh port. */
export async function coldStartMs(spec: ArmSpec, ctx: StartContext): Promise<number> {
  if (spec.name === "direct") return Number.NaN;
  const port = await freePort();
  const since = performance.now();
  const proc =
    isGateway(spec.name)
      ? spawnPinned({ core: ctx.core, script: spec.name === "baseline" ? `${BASELINE_DIST ?? "dist"}/index.js` : GATEWAY_ENTRY, args: ["--config", GATEWAY_CONFIG], env: gatewayEnv(ctx.fakes, port), stdout: "discard" })
      : spawnPinned({ core: ctx.core, script: PROXY_SCRIPTS[spec.name], args: ["--port", String(port), "--upstream", ctx.fakes.main.origin], stdout: "pipe" });
  try {
    return await waitForFirst200(`http://127.0.0.1:${port}`, since, 15_000, () => proc.child.exitCode === null);
  } finally {
    await proc.stop();
  }
}
