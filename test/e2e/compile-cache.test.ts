// The start-up promises of the README: the compile cache is written where NODE_COMPILE_CACHE says,
// a place that cannot hold it never stops a start, and NODE_DISABLE_COMPILE_CACHE turns it off.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROCESS_BASE, startGatewayProcess, stopProcesses, writeConfig } from "../harness/process.ts";

const config = () => writeConfig({ ...PROCESS_BASE, providers: { up: { type: "openai", api_key: "sk-x", base_url: "http://127.0.0.1:9/v1" } }, models: { m: { targets: [{ provider: "up", model: "gpt-4o-mini" }] } } });

/** Starts the gateway with `env`, checks it answers, stops it (Node writes the cache at exit). */
async function startAndStop(env: NodeJS.ProcessEnv): Promise<void> {
  const gateway = await startGatewayProcess(config(), env);
  try {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  } finally {
    await stopProcesses([gateway]);
  }
}

/** Every file below `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe("compile cache", () => {
  it("is written to NODE_COMPILE_CACHE when the process stops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-cc-"));
    await startAndStop({ NODE_COMPILE_CACHE: dir });
    expect(filesUnder(dir).length).toBeGreaterThan(0);
  });

  it("never stops a start when the place cannot hold it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gw-cc-")), "not-a-folder");
    writeFileSync(file, "");
    await startAndStop({ NODE_COMPILE_CACHE: file });
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE=1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-cc-"));
    await startAndStop({ NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: "1" });
    expect(filesUnder(dir)).toEqual([]);
  });
});
