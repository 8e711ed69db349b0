// Starts a throwaway redis-server on a free loopback port (no persistence unless asked), for tests that
// need a real Redis. Suites call `redisServerAvailable()` first and skip with
// REDIS_MISSING_MESSAGE when the binary is not installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = process.env["REDIS_SERVER_BIN"] ?? "redis-server";

export const REDIS_MISSING_MESSAGE =
  `${BIN} is not installed, so the Redis suites are skipped. Install Redis to run them ` +
  "(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), " +
  "or point REDIS_SERVER_BIN at a redis-server binary.";

export function redisServerAvailable(): boolean {
  const probe = spawnSync(BIN, ["--version"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server abruptly (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port: empty, unless started `persistent`. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Keep data across `kill`/`restart` (append-only file, fsync on every write), as a production
   * Redis holding budgets should; off by default: a restart comes back empty.
   */
  readonly persistent?: boolean;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const persistence = options.persistent
    ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", mkdtempSync(join(tmpdir(), "redis-"))]
    : ["--appendonly", "no"];
  const launch = () => launchOn(port, persistence);
  let child: ChildProcess | undefined = await launch();

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGKILL");
    await exited;
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = await launch();
    },
    stop: kill,
  };
}

async function launchOn(port: number, persistence: readonly string[]): Promise<ChildProcess> {
  const child = spawn(
    BIN,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, "--loglevel", "warning"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    if (await answersPing(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port}: ${stderr}`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let reply = "";
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => {
      reply += data.toString();
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
