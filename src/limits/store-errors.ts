// What the limiter does when its store cannot answer: count every failure, tell the telemetry
// hook about each, and log at most once per interval (a dead Redis fails every request; one
// line per request would bury everything else in the log).

export type StoreOperation = "check" | "adjust" | "release" | "renew" | "settle" | "connection";

export interface StoreErrorEvent {
  readonly operation: StoreOperation;
  readonly error: unknown;
  /** What the limiter did about it: served the request anyway, or refused it. */
  readonly policy: "open" | "closed";
}

/** The subset of a pino logger the limiter uses. */
export interface LimitLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error?(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
}

export interface StoreErrorReporterOptions {
  readonly logger?: LimitLogger | undefined;
  readonly logIntervalMs: number;
  readonly onStoreError?: ((event: StoreErrorEvent) => void) | undefined;
  readonly now?: () => number;
}

export interface StoreErrorReporter {
  report(operation: StoreOperation, error: unknown, policy: "open" | "closed"): void;
  /** Failed store operations so far (connection noise excluded). */
  readonly count: number;
}

export function createStoreErrorReporter(options: StoreErrorReporterOptions): StoreErrorReporter {
  const now = options.now ?? Date.now;
  let count = 0;
  let lastLogAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return {
    report(operation, error, policy) {
      if (operation !== "connection") count += 1;
      options.onStoreError?.({ operation, error, policy });
      const at = now();
      if (at - lastLogAt < options.logIntervalMs) {
        suppressed += 1;
        return;
      }
      options.logger?.warn(
        { operation, error: describe(error), policy, suppressed_since_last_log: suppressed },
        policy === "open"
          ? "rate-limit store unavailable: serving without limits (limits.on_store_error: open)"
          : "rate-limit store unavailable: refusing requests with 503 (limits.on_store_error: closed)",
      );
      lastLogAt = at;
      suppressed = 0;
    },
    get count() {
      return count;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
