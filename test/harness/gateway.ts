// Starts the real gateway in-process on a free port from a config object (the same pipeline
// as providers.yaml), with its log lines captured for assertions.
import { Writable } from "node:stream";
import OpenAI from "openai";
import { configFromObject } from "../../src/config/load.ts";
import { startGateway as start, type RunningGateway, type StartOptions } from "../../src/server.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";

export { eventually } from "./eventually.ts";

export interface TestGateway {
  readonly url: string;
  readonly baseURL: string;
  readonly running: RunningGateway;
  /** Parsed JSON log lines, in order. */
  readonly logs: Record<string, unknown>[];
  client(apiKey?: string, options?: Partial<ConstructorParameters<typeof OpenAI>[0]>): OpenAI;
  stop(graceMs?: number): Promise<void>;
}

export async function startTestGateway(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
  options: Partial<Omit<StartOptions, "logger" | "port" | "host">> = {},
): Promise<TestGateway> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = configFromObject({ server: { host: "127.0.0.1", port: 0 }, ...raw }, "test", env);
  const logger = createLogger({ level: "info", format: "json" }, sink);
  const running = await start(config, { ...options, logger, port: 0, host: "127.0.0.1" });
  let stopped = false;
  return {
    url: running.url,
    baseURL: `${running.url}/v1`,
    running,
    logs,
    client: (apiKey = "sk-test", options = {}) => new OpenAI({ apiKey, baseURL: `${running.url}/v1`, maxRetries: 0, ...options }),
    async stop(graceMs = 1000) {
      if (stopped) return;
      stopped = true;
      await running.stop(graceMs);
    },
  };
}

/** Requests log lines (one per HTTP request), newest last. */
export function requestLines(gateway: TestGateway): Record<string, unknown>[] {
  return gateway.logs.filter((l) => l["msg"] === "request");
}

/** Stops the gateway first (it holds connections to the fakes), then the fakes. */
export async function stopAll(gateway: TestGateway, ...fakes: { close(): Promise<void> }[]): Promise<void> {
  await gateway.stop();
  await Promise.all(fakes.map((fake) => fake.close()));
}

/** Clears the scripts and recorded requests of every fake, between tests. */
export function resetAll(...fakes: { reset(): void }[]): void {
  for (const fake of fakes) fake.reset();
}

/** A providers.yaml `providers` block: one OpenAI-protocol provider per named fake. */
export function openaiProviders(fakes: Record<string, { origin: string }>): Record<string, { type: "openai"; base_url: string }> {
  return Object.fromEntries(Object.entries(fakes).map(([id, fake]) => [id, { type: "openai" as const, base_url: `${fake.origin}/v1` }]));
}

export interface ResponsesLanesOptions {
  /** Models beside `local` and `gpt`, over the providers `compat` and `oa`. */
  readonly models?: Record<string, unknown>;
  /** Gateway key names; each name's key is `sk-<name>`, read from the environment. None: no keys. */
  readonly keys?: readonly string[];
  readonly logging?: Record<string, unknown>;
}

export interface ResponsesLanes {
  /** The OpenAI chat fake behind provider `compat`, model `local` (the translated lane). */
  readonly chat: FakeUpstream;
  /** The OpenAI Responses fake behind provider `oa` with `responses: true`, model `gpt` (the native lane). */
  readonly native: FakeUpstream;
  readonly gw: TestGateway;
}

/** Both Responses lanes: a chat fake and a native Responses fake, and a gateway in front of them. */
export async function startResponsesLanes(options: ResponsesLanesOptions = {}): Promise<ResponsesLanes> {
  const chat = await startOpenAIFake();
  const native = await startOpenAIResponsesFake();
  const keys = options.keys ?? [];
  const envName = (name: string) => `${name.toUpperCase()}_KEY`;
  const gw = await startTestGateway(
    {
      providers: {
        compat: { type: "openai", api_key: "sk-compat", base_url: `${chat.origin}/v1` },
        oa: { type: "openai", api_key: "sk-native", base_url: `${native.origin}/v1`, responses: true },
      },
      models: { local: { targets: [{ provider: "compat", model: "qwen3" }] }, gpt: { targets: [{ provider: "oa", model: "gpt-5.1" }] }, ...options.models },
      ...(keys.length > 0 && { keys: keys.map((name) => ({ name, key: `\${${envName(name)}}` })) }),
      ...(options.logging && { logging: options.logging }),
      resilience: { retries: 0 },
    },
    Object.fromEntries(keys.map((name) => [envName(name), `sk-${name}`])),
  );
  return { chat, native, gw };
}

/**
 * A config with both Responses lanes, for a client that must work on each: `claude`, an Anthropic
 * fake (the translated lane), and `oa`, a fake serving /v1/responses (the native lane), each with
 * one model routed to it; no retries. Spread it to add keys or other sections.
 */
export function responsesLanesConfig(
  fakes: { anthropic: { origin: string }; native: { origin: string } },
  models: { translated: { name: string; model: string }; native: { name: string; model: string } },
): Record<string, unknown> {
  return {
    providers: {
      claude: { type: "anthropic", api_key: "sk-ant-up", base_url: fakes.anthropic.origin },
      oa: { type: "openai", api_key: "sk-native", base_url: `${fakes.native.origin}/v1`, responses: true },
    },
    models: {
      [models.translated.name]: { targets: [{ provider: "claude", model: models.translated.model }] },
      [models.native.name]: { targets: [{ provider: "oa", model: models.native.model }] },
    },
    resilience: { retries: 0 },
  };
}
