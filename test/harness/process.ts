// Runs the gateway as a real process (`node src/index.ts`), as `npm start` would, and reads
// its JSON log lines from stdout.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

const entry = join(import.meta.dirname, "../../src/index.ts");

export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "gw-"));
  const file = join(dir, "providers.yaml");
  writeFileSync(file, stringify(config));
  return file;
}

export function spawnGateway(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: Record<string, unknown>[]; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env["PATH"], LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = "";
  let errText = "";
  child.stdout?.on("data", (data: Buffer) => {
    buffered += data.toString("utf8");
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr?.on("data", (data: Buffer) => (errText += data.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, stderr: () => errText, exited };
}

/** Starts the gateway process and waits for its "listening" line. */
export async function startGatewayProcess(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const proc = spawnGateway(["--config", configFile], { PORT: "0", ...env });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const listening = proc.lines.find((l) => l["msg"] === "gateway listening");
    if (listening) {
      return { ...proc, url: String(listening["url"]), kill: (signal = "SIGTERM") => proc.child.kill(signal) };
    }
    if (proc.child.exitCode !== null) throw new Error(`gateway exited ${proc.child.exitCode}: ${proc.stderr()}`);
    if (Date.now() > deadline) {
      proc.child.kill("SIGKILL");
      throw new Error(`gateway did not start: ${proc.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The settings every process test shares: a free port on loopback and JSON log lines to read. */
export const PROCESS_BASE = { server: { host: "127.0.0.1", port: 0 }, logging: { level: "info", format: "json" } } as const;

/** Starts two gateway processes on one config, as two replicas behind a load balancer run. */
export function startReplicas(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<[GatewayProcess, GatewayProcess]> {
  return Promise.all([startGatewayProcess(configFile, env), startGatewayProcess(configFile, env)]);
}

/** Stops each process with SIGTERM (its graceful shutdown) and waits for it to exit. */
export async function stopProcesses(processes: readonly (GatewayProcess | undefined)[]): Promise<void> {
  await Promise.all(
    processes.map(async (gateway) => {
      if (!gateway) return;
      gateway.kill("SIGTERM");
      await gateway.exited;
    }),
  );
}
