// Starts the HTTP server and stops it gracefully: stop accepting, let in-flight requests and
// streams finish up to a deadline, then close what is left.
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import type { GatewayConfig } from "./config/types.ts";
import { startMetricsServer } from "./http/metrics-server.ts";
import { closeRuntime, createRuntime, type Runtime, type RuntimeSource } from "./runtime.ts";
import type { Logger } from "./telemetry/logger.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./telemetry/metrics.ts";
import type { ReadinessCheck } from "./telemetry/readiness.ts";

export interface RunningGateway {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** The live runtime holder; replacing `current` switches new requests to a new config. */
  readonly state: { current: Runtime };
  readonly metrics: GatewayMetrics;
  /** Where /metrics is served: the API port, a port of its own, or undefined when disabled. */
  readonly metricsUrl: string | undefined;
  /** /ready's extra conditions; a module may push its own (e.g. the Redis store's ping). */
  readonly readinessChecks: ReadinessCheck[];
  /** Graceful stop: resolves when every in-flight request is done or the deadline passed. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  port?: number;
  host?: string;
  metrics?: GatewayMetrics;
}

export async function startGateway(config: GatewayConfig, options: StartOptions): Promise<RunningGateway> {
  const state: { current: Runtime } = { current: createRuntime(config, (m) => options.logger.warn(m)) };
  let shuttingDown = false;
  const source: RuntimeSource = state;
  const metrics = options.metrics ?? createGatewayMetrics();
  metrics.trackProviders(config.providers.keys());
  const readinessChecks: ReadinessCheck[] = [];
  const app = createApp(source, { logger: options.logger, isShuttingDown: () => shuttingDown, metrics, readinessChecks });

  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = createAdaptorServer({ fetch: app.fetch, autoCleanupIncoming: true }) as Server;
  server.on("request", (_req, res) => {
    inFlight += 1;
    res.once("close", () => {
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
  });
  // Streams may run for minutes; Node's default request timeout would cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  const host = options.host ?? config.raw.server.host;
  const port = options.port ?? config.raw.server.port;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `http://${shownHost}:${bound}`;
  const exposition = config.raw.server.metrics;
  const metricsServer =
    exposition.enabled && exposition.port !== undefined
      ? await startMetricsServer({ metrics, token: exposition.token, host, port: exposition.port }).catch(async (error: unknown) => {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          throw error;
        })
      : undefined;

  return {
    server,
    port: bound,
    url,
    state,
    metrics,
    metricsUrl: exposition.enabled ? (metricsServer?.url ?? `${url}/metrics`) : undefined,
    readinessChecks,
    async stop(graceMs = config.raw.server.shutdown_grace_ms) {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const drained = new Promise<void>((resolve) => (idle = resolve));
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
        await Promise.race([drained, deadline]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await Promise.all([closed, metricsServer?.close()]);
      await closeRuntime(state.current);
    },
  };
}
