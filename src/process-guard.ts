// The last line of defence: an error no code path handled (an 'error' event with no listener, a
// rejected promise nobody awaited) would end the process and every request and stream in it.
// The guard logs it and counts it as an internal error instead, and the gateway keeps serving;
// each one is a bug to fix at its source, which the log line points to.
import type { Logger } from "./telemetry/logger.ts";
import type { GatewayMetrics, InternalErrorKind } from "./telemetry/metrics.ts";
import { redactSecrets } from "./telemetry/redact.ts";

export function guardProcess(logger: Logger, metrics: Pick<GatewayMetrics, "internalError">): void {
  const report = (kind: InternalErrorKind) => (error: unknown) => {
    try {
      metrics.internalError(kind);
      logger.error({ kind, error: describe(error) }, "internal error caught by the process guard; the gateway keeps serving");
    } catch {
      // Reporting must never become the next uncaught exception.
    }
  };
  process.on("uncaughtException", report("uncaught_exception"));
  process.on("unhandledRejection", report("unhandled_rejection"));
}

/** Where the error came from, with anything secret-shaped taken out of its message. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as NodeJS.ErrnoException).code;
  const frames = (error.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at "));
  return { type: error.name, ...(code !== undefined ? { code } : {}), message: redactSecrets(error.message), stack: frames.map((f) => f.trim()) };
}
