// An open-loop client: requests leave on a fixed schedule (one every 1000/rate ms) whatever the
// server does, and latency counts from the scheduled time, so a stall is charged to every
// request it delays (no coordinated omission) and there are no per-second bursts.
import { Agent, request } from "undici";
import { percentile, Samples } from "./stats.ts";

export interface PacedResult {
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** Most requests outstanding at once. */
  maxInflight: number;
  /** How late requests left versus their schedule (timer jitter of this process), p99 ms. */
  sendLagP99: number;
}

export async function runPaced(options: { url: string; body: string; headers: Record<string, string>; rate: number; durationSec: number }): Promise<PacedResult> {
  const agent = new Agent({ connections: null, keepAliveTimeout: 10_000 });
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSec);
  const latencies = new Samples();
  const lags = new Samples();
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let inflight = 0;
  let maxInflight = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now() + 5;

  const fire = (scheduled: number) => {
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    lags.push(performance.now() - scheduled);
    pending.push(
      request(options.url, { dispatcher: agent, method: "POST", headers: options.headers, body: options.body })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode === 200) {
            ok++;
            latencies.push(performance.now() - scheduled);
          } else errors++;
        })
        .catch(() => {
          errors++;
        })
        .finally(() => {
          inflight--;
        }),
    );
  };

  await new Promise<void>((resolve) => {
    const pump = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) fire(start + sent++ * interval);
      if (sent < total) setTimeout(pump, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    setTimeout(pump, 5);
  });
  await Promise.all(pending);
  await agent.close();
  const sorted = latencies.sorted();
  return { sent, ok, errors, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100), maxInflight, sendLagP99: percentile(lags.sorted(), 99) };
}
