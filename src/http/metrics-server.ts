// The optional metrics-only listener (`server.metrics.port`): keeps /metrics (and the status
// page, behind the same token) off the API port, e.g. to expose them only inside the cluster
// network. Started and stopped with the gateway.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import { metricsAnswer, type MetricsAnswer } from "./routes/metrics.ts";

export interface MetricsServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

type Answer = (authorization: string | undefined) => Promise<MetricsAnswer>;

export interface MetricsServerOptions {
  metrics: GatewayMetrics;
  token: string | undefined;
  host: string;
  port: number;
  /** The status page's answers, served at /status and /status.json. */
  status?: { page: Answer; json: Answer } | undefined;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const routes = new Map<string, Answer>([["/metrics", metricsAnswer(options.metrics, options.token)]]);
  if (options.status) {
    routes.set("/status", options.status.page);
    routes.set("/status.json", options.status.json);
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const answer = routes.get(path);
    if (answer === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: this port serves GET ${[...routes.keys()].join(", ")}\n`);
      return;
    }
    answer(req.headers.authorization).then(
      ({ status, headers, body }) => {
        res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`${path} failed\n`);
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    port,
    url: `http://${shownHost}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
