// The fake upstream processes (all on the load core) and their HTTP control routes.
import { request } from "undici";
import type { FakeKnobs, FakeStats } from "../fake-upstream.ts";
import { spawnServer, type PinnedProcess } from "../process/spawn.ts";

export interface FakeHandle {
  readonly name: string;
  readonly port: number;
  readonly origin: string;
  readonly proc: PinnedProcess;
  setKnobs(knobs: Partial<FakeKnobs>): Promise<FakeKnobs>;
  stats(): Promise<FakeStats>;
}

export interface Fakes {
  /** Serves every arm; the gateway's primary target. */
  main: FakeHandle;
  /** The gateway's second target in both fallback chains. */
  second: FakeHandle;
  /** Always 500: the primary of the gateway's `bench-fallback` model. */
  failing: FakeHandle;
  all: FakeHandle[];
}

async function controlJson<T>(origin: string, path: string, body?: unknown): Promise<T> {
  // `connection: close` so a control call never leaves a pooled socket behind in the fake's count
  const res = await request(
    origin + path,
    body === undefined
      ? { method: "GET", headers: { connection: "close" } }
      : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", connection: "close" } },
  );
  if (res.statusCode !== 200) throw new Error(`${origin}${path}: status ${res.statusCode}`);
  return (await res.body.json()) as T;
}

export async function startFake(name: string, core: number | undefined, args: readonly string[] = []): Promise<FakeHandle> {
  const { proc, port } = await spawnServer({ core, script: "bench/fake-upstream.ts", args: ["--port", "0", ...args], stdout: "pipe" });
  const origin = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    origin,
    proc,
    setKnobs: (knobs) => controlJson<FakeKnobs>(origin, "/__bench/knobs", knobs),
    stats: () => controlJson<FakeStats>(origin, "/__bench/stats"),
  };
}

export async function startFakes(core: number | undefined): Promise<Fakes> {
  const [main, second, failing] = await Promise.all([
    startFake("main", core),
    startFake("second", core),
    startFake("failing", core, ["--rate-500", "1"]),
  ]);
  return { main, second, failing, all: [main, second, failing] };
}
