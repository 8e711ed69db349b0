// Starts the HTTP server and stops it gracefully: stop accepting, let in-flight requests and
// streams finish up to a deadline, then close what is left.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createListener, type AppDeps } from "./app.ts";
import type { GatewayConfig } from "./config/types.ts";
import { startMetricsServer } from "./http/metrics-server.ts";
import { providerReports } from "./http/provider-reports.ts";
import { createReloadLog, type ReloadLog } from "./config/reload-log.ts";
import { statusAnswers } from "./status/routes.ts";
import { answerParserErrors } from "./http/parser-errors.ts";
import type { LimiterDeps } from "./limits/from-config.ts";
import { BreakerRegistry, type BreakerEvents } from "./resilience/breakers.ts";
import { closeRuntime, createRuntime, retiredAdapters, type Runtime, type RuntimeSource } from "./runtime.ts";
import type { Logger } from "./telemetry/logger.ts";
import { limitMetricHooks } from "./telemetry/limit-metrics.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./telemetry/metrics.ts";
import type { ReadinessCheck } from "./telemetry/readiness.ts";
import { loadAdapters } from "./providers/registry.ts";
import { reportTokenizerErrors } from "./limits/tokens.ts";
import { toUsd } from "./limits/spend.ts";
import { createResponseCache } from "./cache/response-cache.ts";

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
  /** Config reloads tried by the entry point, shown on the status page. */
  readonly reloads: ReloadLog;
  /**
   * Switches new requests to `config`; in-flight ones finish on the runtime they started with.
   * A provider type the running gateway has not used yet needs `prepare(config)` first.
   */
  reload(config: GatewayConfig): void;
  /** Loads what `config` needs (adapter modules) so that `reload` can switch synchronously. */
  prepare(config: GatewayConfig): Promise<void>;
  /** Graceful stop: resolves when every in-flight request is done or the deadline passed. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  port?: number;
  host?: string;
  breakerEvents?: BreakerEvents;
  /** Telemetry hooks for rate-limit refusals and store errors (the metrics get them either way). */
  limitEvents?: LimiterDeps["hooks"];
  metrics?: GatewayMetrics;
  /** The pipeline's response cache: by default the cache the config describes. */
  pipeline?: Pick<AppDeps, "cache">;
  /** The response cache's clock (epoch ms); tests move it to expire entries. */
  cacheClock?: () => number;
  /** What decides budget periods and rate windows (tests move it); the wall clock by default. */
  clock?: LimiterDeps["clock"];
}

export async function startGateway(config: GatewayConfig, options: StartOptions): Promise<RunningGateway> {
  const warn = (message: string) => options.logger.warn(message);
  const metrics = options.metrics ?? createGatewayMetrics();
  const breakers = new BreakerRegistry({
    onStateChange(provider, state) {
      options.logger.warn({ provider, state }, `circuit ${state} for provider "${provider}"`);
      metrics.breakerState(provider, state);
      options.breakerEvents?.onStateChange?.(provider, state);
    },
  });
  // The breaker gauge shows every configured provider, and a breaker a reload rebuilt as closed.
  const publishBreakers = (runtime: Runtime) => {
    for (const id of runtime.config.providers.keys()) metrics.breakerState(id, breakers.health(id)?.state ?? "closed");
  };
  let limitStore: string = config.raw.limits.store;
  const limitMetrics = limitMetricHooks(metrics, () => limitStore);
  const limiterDeps: LimiterDeps = {
    logger: options.logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    hooks: {
      onRefused(event) {
        limitMetrics.onRefused(event);
        options.limitEvents?.onRefused?.(event);
      },
      onStoreError(event) {
        limitMetrics.onStoreError(event);
        options.limitEvents?.onStoreError?.(event);
      },
    },
  };
  await loadAdapters(providerTypes(config));
  const state: { current: Runtime } = { current: createRuntime(config, breakers, warn, undefined, limiterDeps) };
  // Budget spend is shared by every replica: read from the store when scraped, not counted here.
  metrics.budgetSource(() => state.current.limiter.budgetSpend());
  metrics.budgetOutboxSource(() => ({ settlements: state.current.limiter.pendingSettlements, usd: toUsd(state.current.limiter.pendingMicros) }));
  publishBreakers(state.current);
  // Adapters and limiters a reload replaced, closed once the requests still using them are done.
  const retiring = new Set<{ close(): Promise<void> }>();
  let shuttingDown = false;
  const source: RuntimeSource = state;
  // The limit store answers (always true in memory; false while Redis is unreachable).
  const readinessChecks: ReadinessCheck[] = [{ name: "limits_store", check: () => state.current.limiter.ready(800) }];
  // The cache's store settings apply at start; models opt in and out on reload.
  const cache =
    options.pipeline?.cache ??
    createResponseCache(config.raw.cache, {
      events: { hit: (model, api, tier) => metrics.cacheHit(model, api, tier), miss: (model, api, tier) => metrics.cacheMiss(model, api, tier) },
      onStoreError: () => metrics.storeError("cache"),
      fallbackRedisUrl: config.raw.limits.redis_url,
      ...(options.cacheClock ? { clock: options.cacheClock } : {}),
    });
  const exposition = config.raw.server.metrics;
  const reports = providerReports(source);
  const reloads = createReloadLog();
  const status = exposition.enabled
    ? statusAnswers({ source, metrics, reports, reloads, startedAt: Date.now(), token: exposition.token })
    : undefined;
  const listener = createListener(source, { logger: options.logger, isShuttingDown: () => shuttingDown, metrics, readinessChecks, reports, status, ...options.pipeline, cache });

  let inFlight = 0;
  let idle: (() => void) | undefined;
  // One function for every response's close, counted in the listener itself: no per-request
  // closure, and one less listener on the server's "request" event.
  const requestClosed = () => {
    inFlight -= 1;
    if (inFlight === 0) idle?.();
  };
  const server = createServer((req, res) => {
    inFlight += 1;
    res.on("close", requestClosed);
    listener(req, res);
  });
  answerParserErrors(server);
  // Streams may run for minutes; Node's default request timeout would cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  // The vocabulary loads on the first exact count (text-tokens.ts); say so if it cannot.
  reportTokenizerErrors((error) => options.logger.warn({ err: error }, "tokenizer failed to load; token estimates stay approximate"));
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
  const metricsServer =
    exposition.enabled && exposition.port !== undefined
      ? await startMetricsServer({ metrics, token: exposition.token, host, port: exposition.port, status }).catch(async (error: unknown) => {
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
    reloads,
    prepare: (next: GatewayConfig) => loadAdapters(providerTypes(next)),
    reload(next: GatewayConfig) {
      const old = state.current;
      state.current = createRuntime(next, breakers, warn, old, limiterDeps);
      limitStore = next.raw.limits.store;
      publishBreakers(state.current);
      const retired: { close(): Promise<void> }[] = retiredAdapters(old, state.current);
      if (old.limiter !== state.current.limiter) retired.push(old.limiter);
      if (retired.length === 0) return;
      // Requests still running on the old runtime keep their adapters (and limiter) until they are done.
      for (const item of retired) retiring.add(item);
      const timer = setTimeout(() => {
        for (const item of retired) {
          retiring.delete(item);
          void item.close();
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
      await Promise.all([closed, metricsServer?.close()]);
      await Promise.allSettled([...retiring].map((item) => item.close()));
      await closeRuntime(state.current);
      await cache.close();
      breakers.shutdown();
    },
  };
}

function providerTypes(config: GatewayConfig) {
  return [...config.providers.values()].filter((p) => !p.disabled).map((p) => p.settings.type);
}
