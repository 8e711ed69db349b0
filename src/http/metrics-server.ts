// The optional metrics-only listener (`server.metrics.port`): keeps /metrics off the API port,
// e.g. to expose it only inside the cluster network. Started and stopped with the gateway.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import { metricsAnswer } from "./routes/metrics.ts";

export interface MetricsServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: { metrics: GatewayMetrics; token: string | undefined; host: string; port: number }): Promise<MetricsServer> {
  const answer = metricsAnswer(options.metrics, options.token);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: this port serves GET /metrics\n");
      return;
    }
    answer(req.headers.authorization).then(
      ({ status, headers, body }) => {
        res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("metrics collection failed\n");
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
