// Durations and sizes for a full run (under ~15 minutes for five arms) and for --quick.

export interface StreamShape {
  count: number;
  rampMs: number;
  ttfbMs: number;
  chunks: number;
  intervalMs: number;
}

export interface Profile {
  rounds: number;
  warmupSec: number;
  throughputSec: number;
  latencySec: number;
  fixedRateSec: number;
  fixedRate: number;
  bodySec: number;
  fallbackSec: number;
  streams100: StreamShape;
  streams1000: StreamShape;
  /** Wait after the last stream before reading "RSS after". */
  settleMs: number;
  stormStreams: number;
  soakSec: number;
}

export const fullProfile: Profile = {
  rounds: 5,
  warmupSec: 2,
  throughputSec: 3,
  latencySec: 2.5,
  fixedRateSec: 2.5,
  fixedRate: 500,
  bodySec: 1.2,
  fallbackSec: 2,
  streams100: { count: 100, rampMs: 1_000, ttfbMs: 20, chunks: 20, intervalMs: 25 },
  // each stream lasts 2.5 s, so all 1,000 are open together from 2.0 to 2.5 s
  streams1000: { count: 1_000, rampMs: 2_000, ttfbMs: 20, chunks: 25, intervalMs: 100 },
  settleMs: 1_000,
  stormStreams: 500,
  soakSec: 600,
};

export const quickProfile: Profile = {
  rounds: 2,
  warmupSec: 1,
  throughputSec: 1,
  latencySec: 1,
  fixedRateSec: 1,
  fixedRate: 500,
  bodySec: 0.5,
  fallbackSec: 0.5,
  streams100: { count: 100, rampMs: 300, ttfbMs: 20, chunks: 10, intervalMs: 25 },
  streams1000: { count: 1_000, rampMs: 1_000, ttfbMs: 20, chunks: 15, intervalMs: 100 },
  settleMs: 500,
  stormStreams: 200,
  soakSec: 30,
};
