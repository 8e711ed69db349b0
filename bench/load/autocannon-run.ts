// One autocannon run, with every response time kept raw. autocannon's own histogram stores whole
// milliseconds and, under `overallRate`, "corrects" for coordinated omission with a 1 ms expected
// interval (ceil(1 / per-connection rate)), which adds a synthetic sample for every millisecond of
// each slow response; both are reported so the difference stays visible (see bench/FINDINGS.md).
import autocannon from "autocannon";
import { percentile, Samples } from "./stats.ts";

export interface LoadOptions {
  url: string;
  body: string;
  /** A new body for every request (each one unique, say), instead of `body` every time. */
  nextBody?: () => string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Stop after this many requests instead of after `durationSec`. */
  amount?: number;
  /** Sees every response: completion time (performance.now) and its latency, ms. */
  onResponse?: (completedAt: number, latencyMs: number, statusCode: number) => void;
  /** Requests per second across all connections (autocannon `overallRate`). */
  overallRate?: number;
}

export interface LoadResult {
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Exact, from the raw per-response times (ms). */
  p50: number;
  p99: number;
  max: number;
  /** What autocannon's own histogram says the p99 is. */
  autocannonP99: number;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Samples();
  let ok = 0;
  let non2xx = 0;
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: "POST",
        body: options.body,
        headers: options.headers,
        connections: options.connections,
        duration: options.durationSec,
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
        ...(options.amount !== undefined ? { amount: options.amount } : {}),
        ...(options.nextBody !== undefined ? { requests: [{ setupRequest: withBody(options.nextBody) }] } : {}),
        timeout: 30,
        // the run ends on the first sample tick after its duration or amount; we keep no per-tick counts
        sampleInt: 100,
      },
      (err, result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const sorted = latencies.sorted();
        // the whole run, not first-to-last response: under overallRate responses come in bursts
        const span = (performance.now() - startedAt) / 1000;
        resolve({
          rps: span > 0 ? ok / span : 0,
          ok,
          non2xx,
          errors: result.errors,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          max: percentile(sorted, 100),
          autocannonP99: result.latency.p99,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      options.onResponse?.(performance.now(), responseTime, statusCode);
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
      } else {
        non2xx++;
      }
    });
  });
}

/** autocannon's per-request hook, giving each request the next body. */
function withBody(next: () => string): (request: autocannon.Request) => autocannon.Request {
  return (request) => ({ ...request, body: next() });
}
