// Starts the HTTP server and stops it gracefully: stop accepting, let in-flight requests and
// streams finish up to a deadline, then close what is left.
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import type { GatewayConfig } from "./config/types.ts";
import type { ProviderAdapter } from "./providers/types.ts";
import { BreakerRegistry, type BreakerEvents } from "./resilience/breakers.ts";
import { closeRuntime, createRuntime, retiredAdapters, type Runtime, type RuntimeSource } from "./runtime.ts";
import type { Logger } from "./telemetry/logger.ts";

export interface RunningGateway {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** The live runtime holder; replacing `current` switches new requests to a new config. */
  readonly state: { current: Runtime };
  /** Switches new requests to `config`; in-flight ones finish on the runtime they started with. */
  reload(config: GatewayConfig): void;
  /** Graceful stop: resolves when every in-flight request is done or the deadline passed. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  port?: number;
  host?: string;
  breakerEvents?: BreakerEvents;
}

export async function startGateway(config: GatewayConfig, options: StartOptions): Promise<RunningGateway> {
  const warn = (message: string) => options.logger.warn(message);
  const breakers = new BreakerRegistry({
    onStateChange(provider, state) {
      options.logger.warn({ provider, state }, `circuit ${state} for provider "${provider}"`);
      options.breakerEvents?.onStateChange?.(provider, state);
    },
  });
  const state: { current: Runtime } = { current: createRuntime(config, breakers, warn) };
  const retiring = new Set<ProviderAdapter>();
  let shuttingDown = false;
  const source: RuntimeSource = state;
  const app = createApp(source, { logger: options.logger, isShuttingDown: () => shuttingDown });

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

  return {
    server,
    port: bound,
    url: `http://${shownHost}:${bound}`,
    state,
    reload(next: GatewayConfig) {
      const old = state.current;
      state.current = createRuntime(next, breakers, warn, old);
      const retired = retiredAdapters(old, state.current);
      if (retired.length === 0) return;
      // Requests still running on the old runtime keep their adapters until they are done.
      for (const adapter of retired) retiring.add(adapter);
      const timer = setTimeout(() => {
        for (const adapter of retired) {
          retiring.delete(adapter);
          void adapter.close();
        }
      }, Math.min(old.config.raw.resilience.timeout_ms, 10 * 60_000));
      timer.unref();
    },
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
      await closed;
      await Promise.allSettled([...retiring].map((adapter) => adapter.close()));
      await closeRuntime(state.current);
      breakers.shutdown();
    },
  };
}
