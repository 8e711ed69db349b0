// One opossum circuit breaker per provider. Only the upstream's own faults count against it
// (5xx, timeouts, connection and stream errors); a 4xx, a request the gateway refused to
// translate, or a client that went away never trips it. Breakers outlive config reloads for
// providers whose settings did not change.
import CircuitBreaker from "opossum";
import { UpstreamError, type UpstreamFailure } from "../providers/errors.ts";
import type { BreakerCounter, Breakers } from "../routing/executor.ts";

export type BreakerState = "closed" | "half_open" | "open";

export interface BreakerSettings {
  readonly error_threshold_percentage: number;
  readonly volume_threshold: number;
  readonly reset_timeout_ms: number;
  readonly rolling_window_ms: number;
}

export interface ProviderHealth {
  state: BreakerState;
  lastError: { message: string; status: number; failure: UpstreamFailure; at: string } | undefined;
  lastLatencyMs: number | undefined;
}

export interface BreakerEvents {
  onStateChange?(provider: string, state: BreakerState): void;
}

/** Thrown by `run` when the breaker refused the call: the executor skips to the next target. */
export class BreakerOpenError extends Error {
  override readonly name = "BreakerOpenError";
  readonly provider: string;

  constructor(provider: string) {
    super(`provider "${provider}" circuit open`);
    this.provider = provider;
  }
}

/** Counts nothing: a provider with no breaker. */
export const uncounted: BreakerCounter = { fired: () => {}, succeeded: () => {}, failed: () => {} };

/** A provider's breaker, and its counter while closed (one object per provider, not per call). */
class Entry implements BreakerCounter {
  readonly breaker: CircuitBreaker<[() => Promise<unknown>]>;
  readonly fingerprint: string;
  readonly health: ProviderHealth;
  readonly errorThresholdPercentage: number;

  constructor(breaker: CircuitBreaker<[() => Promise<unknown>]>, fingerprint: string, health: ProviderHealth, errorThresholdPercentage: number) {
    this.breaker = breaker;
    this.fingerprint = fingerprint;
    this.health = health;
    this.errorThresholdPercentage = errorThresholdPercentage;
  }

  fired(): void {
    this.breaker.emit("fire");
  }

  succeeded(result: unknown, latencyMs: number): void {
    this.health.lastLatencyMs = Math.round(latencyMs);
    this.breaker.emit("success", result, latencyMs);
  }

  /**
   * Counted as `fire` would count it, and opened by the rule of opossum's `fail`: past the
   * volume threshold, a failure rate above the threshold opens it.
   */
  failed(error: unknown, latencyMs: number): void {
    const { breaker } = this;
    this.health.lastLatencyMs = Math.round(latencyMs);
    noteFailure(this, error);
    if (!isUpstreamFault(error)) {
      breaker.emit("success", error, latencyMs);
      return;
    }
    breaker.emit("failure", error, latencyMs);
    if (breaker.warmUp) return;
    const { fires, failures } = breaker.stats;
    if (breaker.halfOpen || (fires >= breaker.volumeThreshold && (failures / fires) * 100 > this.errorThresholdPercentage)) breaker.open();
  }
}


export class BreakerRegistry implements Breakers {
  private readonly entries = new Map<string, Entry>();
  private readonly events: BreakerEvents;

  constructor(events: BreakerEvents = {}) {
    this.events = events;
  }

  /**
   * Makes sure each provider has a breaker built from `settings`; breakers whose provider and
   * settings are unchanged keep their state, the rest are replaced, dropped ones removed.
   */
  sync(providers: ReadonlyMap<string, string>, settings: BreakerSettings): void {
    for (const [id, entry] of this.entries) {
      if (providers.get(id) !== undefined && entry.fingerprint === fingerprintOf(providers.get(id) ?? "", settings)) continue;
      entry.breaker.shutdown();
      this.entries.delete(id);
    }
    for (const [id, providerFingerprint] of providers) {
      if (this.entries.has(id)) continue;
      this.entries.set(id, this.create(id, fingerprintOf(providerFingerprint, settings), settings));
    }
  }

  allows(provider: string): boolean {
    const entry = this.entries.get(provider);
    return !entry || entry.breaker.closed || entry.breaker.halfOpen;
  }

  run<T>(provider: string, attempt: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(provider);
    if (!entry) return attempt();
    // Closed, the call only needs counting; opossum's `fire` (an event with the arguments, a
    // promise around the call and two more on it) stays for the half-open trial and refusals.
    return entry.breaker.closed ? counted(entry, attempt) : fired(provider, entry, attempt);
  }

  counter(provider: string): BreakerCounter | undefined {
    const entry = this.entries.get(provider);
    if (!entry) return uncounted;
    return entry.breaker.closed ? entry : undefined;
  }

  health(provider: string): ProviderHealth | undefined {
    return this.entries.get(provider)?.health;
  }

  shutdown(): void {
    for (const entry of this.entries.values()) entry.breaker.shutdown();
    this.entries.clear();
  }

  private create(provider: string, fingerprint: string, settings: BreakerSettings): Entry {
    const breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
      // The executor owns timeouts; a breaker timeout would abandon a call without aborting it.
      timeout: false,
      errorThresholdPercentage: settings.error_threshold_percentage,
      volumeThreshold: settings.volume_threshold,
      resetTimeout: settings.reset_timeout_ms,
      rollingCountTimeout: settings.rolling_window_ms,
      rollingCountBuckets: 10,
      // Nothing reads latency percentiles or snapshots: without them the window keeps counts
      // only, instead of every call's latency sorted once a second.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // true = "not a fault of the provider": does not count towards opening.
      errorFilter: (error: unknown) => !isUpstreamFault(error),
    });
    const health: ProviderHealth = { state: "closed", lastError: undefined, lastLatencyMs: undefined };
    const set = (state: BreakerState) => {
      health.state = state;
      this.events.onStateChange?.(provider, state);
    };
    breaker.on("open", () => set("open"));
    breaker.on("halfOpen", () => set("half_open"));
    breaker.on("close", () => set("closed"));
    return new Entry(breaker, fingerprint, health, settings.error_threshold_percentage);
  }
}

/** One call through a closed breaker, counted in opossum's rolling window as `fire` would count it. */
async function counted<T>(entry: Entry, attempt: () => Promise<T>): Promise<T> {
  entry.fired();
  const started = performance.now();
  try {
    const result = await attempt();
    entry.succeeded(result, performance.now() - started);
    return result;
  } catch (error) {
    entry.failed(error, performance.now() - started);
    throw error;
  }
}

/** One call through opossum's `fire`: a half-open breaker's single trial, or a refusal. */
async function fired<T>(provider: string, entry: Entry, attempt: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = (await entry.breaker.fire(attempt)) as T;
    entry.health.lastLatencyMs = Math.round(performance.now() - started);
    return result;
  } catch (error) {
    if ((error as { code?: unknown }).code === "EOPENBREAKER") throw new BreakerOpenError(provider);
    entry.health.lastLatencyMs = Math.round(performance.now() - started);
    noteFailure(entry, error);
    throw error;
  }
}

function noteFailure(entry: Entry, error: unknown): void {
  if (error instanceof UpstreamError && error.failure !== "aborted") {
    entry.health.lastError = { message: error.message, status: error.status, failure: error.failure, at: new Date().toISOString() };
  }
}

/** Only the upstream's own faults count against its breaker. */
function isUpstreamFault(error: unknown): boolean {
  return error instanceof UpstreamError && error.isUpstreamFault;
}

function fingerprintOf(provider: string, settings: BreakerSettings): string {
  return `${provider}|${settings.error_threshold_percentage}|${settings.volume_threshold}|${settings.reset_timeout_ms}|${settings.rolling_window_ms}`;
}
