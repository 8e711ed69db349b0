// Child processes pinned to one core with `taskset -c` (which execs, so the pid is the node
// process itself and /proc/PID/status is its memory).
import { spawn, type ChildProcess } from "node:child_process";
import { LISTENING_PATTERN } from "../cli/flags.ts";

export interface PinnedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last few KB of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the first stdout line (already printed or still to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Like waitForLine, but only lines printed from now on count. */
  nextLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Core to pin to; undefined runs unpinned. */
  core: number | undefined;
  script: string;
  args?: readonly string[];
  nodeArgs?: readonly string[];
  env?: Record<string, string>;
  /** "discard" sends stdout to /dev/null (the gateway's JSON logs); "pipe" keeps it readable. */
  stdout: "pipe" | "discard";
  cwd?: string;
}

export function spawnPinned(options: SpawnOptions): PinnedProcess {
  const command = [process.execPath, ...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])];
  const [file, ...args] = options.core === undefined ? command : ["taskset", "-c", String(options.core), ...command];
  const child = spawn(file as string, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, BENCH_PARENT_PID: String(process.pid), ...options.env },
    stdio: ["ignore", options.stdout === "pipe" ? "pipe" : "ignore", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${command.join(" ")}`);
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });
  let stdoutBuffer = "";
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (text: string) => {
    stdoutBuffer += text;
    let nl: number;
    while ((nl = stdoutBuffer.indexOf("\n")) >= 0) {
      const line = stdoutBuffer.slice(0, nl);
      stdoutBuffer = stdoutBuffer.slice(nl + 1);
      lines.push(line);
      if (lines.length > 200) lines.shift();
      for (const waiter of waiters) waiter(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const awaitLine = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const onLine = (line: string) => {
        const match = line.match(pattern);
        if (!match) return;
        cleanup();
        resolve(match);
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${options.script} exited before printing ${pattern}: ${stderr.trim().slice(-800)}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${options.script} did not print ${pattern} within ${timeoutMs} ms: ${stderr.trim().slice(-800)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(onLine);
        child.off("exit", onExit);
      };
      waiters.add(onLine);
      child.once("exit", onExit);
    });

  return {
    pid: child.pid,
    child,
    stderrTail: () => stderr,
    waitForLine(pattern, timeoutMs) {
      for (const line of lines) {
        const match = line.match(pattern);
        if (match) return Promise.resolve(match);
      }
      return awaitLine(pattern, timeoutMs);
    },
    nextLine: (pattern, timeoutMs) => awaitLine(pattern, timeoutMs),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Spawns a bench server script and waits for its "listening on 127.0.0.1:PORT" line. */
export async function spawnServer(options: SpawnOptions & { stdout: "pipe" }, timeoutMs = 10_000): Promise<{ proc: PinnedProcess; port: number }> {
  const proc = spawnPinned(options);
  try {
    const match = await proc.waitForLine(LISTENING_PATTERN, timeoutMs);
    return { proc, port: Number(match[1]) };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
