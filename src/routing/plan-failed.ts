// What the executor throws when no target served: every upstream failure in order, and the
// targets it skipped with why. The HTTP layer turns it into the client's error.
import type { UpstreamError } from "../providers/errors.ts";

export class PlanFailedError extends Error {
  override readonly name = "PlanFailedError";
  readonly errors: readonly UpstreamError[];
  readonly skipped: readonly string[];

  constructor(errors: readonly UpstreamError[], skipped: readonly string[]) {
    super(errors.at(-1)?.message ?? `no provider available: ${skipped.join("; ")}`);
    this.errors = errors;
    this.skipped = skipped;
  }
}

/** Upstream statuses that say the gateway's side is misconfigured (credentials, model name). */
export function isProviderSideStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404;
}
