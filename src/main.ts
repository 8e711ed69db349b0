// The CLI behind index.ts: loads and validates the config, starts the gateway, guards the
// process against stray errors, and shuts down gracefully on SIGTERM/SIGINT.
import { parseArgs } from "node:util";
import { flushCompileCache } from "./compile-cache.ts";
import { ConfigError } from "./config/errors.ts";
import { loadConfigFile } from "./config/load.ts";
import { watchConfigFile } from "./config/watch.ts";
import { guardProcess } from "./process-guard.ts";
import { startGateway } from "./server.ts";
import { createLogger } from "./telemetry/logger.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
    },
  });
  const path = values.config ?? process.env["GATEWAY_CONFIG"] ?? "providers.yaml";
  let config;
  try {
    config = await loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.raw.logging);
  for (const warning of config.warnings) logger.warn(warning);
  if (!config.keys) logger.warn("no `keys:` configured: the gateway is OPEN — anyone who can reach it can use every model");

  const portText = values.port ?? process.env["PORT"];
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    process.stderr.write(`invalid port: ${portText}\n`);
    process.exit(1);
  }
  const gateway = await startGateway(config, {
    logger,
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  // From here on, no stray error may end the process: it is serving.
  guardProcess(logger, gateway.metrics);
  logger.info({ url: gateway.url, metrics: gateway.metricsUrl, config: path, models: [...config.models.keys()] }, "gateway listening");
  // The next start reuses the code compiled for this one. Writing a fresh cache takes about as
  // long as a start, so not in the way of the first requests; a warm cache's flush is ~1 ms.
  setTimeout(flushCompileCache, 10_000).unref();

  // Reload on SIGHUP and on a change of the file; a config that fails validation is logged
  // and the running one keeps serving.
  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadConfigFile(path);
        for (const warning of next.warnings) logger.warn(warning);
        await gateway.prepare(next);
        gateway.reload(next);
        gateway.reloads.applied(why);
        logger.info({ reason: why, models: [...next.models.keys()] }, "config reloaded");
      } catch (error) {
        const problems = error instanceof ConfigError ? error.problems : [String(error)];
        gateway.reloads.refused(why, problems);
        logger.error({ reason: why, problems }, "config reload refused; the current config keeps serving");
      }
    });
  };
  const watcher = watchConfigFile(path, () => reload("file changed"));
  process.on("SIGHUP", () => reload("SIGHUP"));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    watcher.close();
    gateway
      .stop()
      .then(() => {
        logger.info("stopped");
        logger.flush();
        setImmediate(() => process.exit(0));
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
