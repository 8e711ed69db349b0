// Extra readiness conditions other modules register (the Redis rate-limit store adds one when
// `limits.store: redis`); GET /ready runs them all and is ready only when every one passes.

export interface ReadinessCheck {
  /** The key it is reported under in /ready's `checks`, e.g. "redis". */
  readonly name: string;
  /** True when the dependency is usable. Throwing, or not answering in time, means not ready. */
  check(signal: AbortSignal): boolean | Promise<boolean>;
}

/** Each check's result by name, all run at once, each bounded by `timeoutMs`. */
export async function runReadinessChecks(checks: readonly ReadinessCheck[], timeoutMs = 1_000): Promise<Record<string, boolean>> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  const out: Record<string, boolean> = {};
  checks.forEach((c, i) => (out[c.name] = results[i] === true));
  return out;
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`readiness check "${check.name}" timed out`));
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(check.check(controller.signal)).catch(() => false), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
