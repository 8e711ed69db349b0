// What became of the config file's reloads, for operators: when the last one was tried,
// whether it was applied, and the problems of the last one refused (the running config kept
// serving). The entry point records; the status page reads.

export interface ReloadAttempt {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** What triggered it: "SIGHUP", "file changed". */
  readonly reason: string;
  readonly applied: boolean;
  /** Why it was refused (validation problems, each naming its path); empty when applied. */
  readonly problems: readonly string[];
}

export interface ReloadLog {
  readonly last: ReloadAttempt | undefined;
  readonly lastRefused: ReloadAttempt | undefined;
  applied(reason: string): void;
  refused(reason: string, problems: readonly string[]): void;
}

export function createReloadLog(clock: () => number = Date.now): ReloadLog {
  let last: ReloadAttempt | undefined;
  let lastRefused: ReloadAttempt | undefined;
  return {
    get last() {
      return last;
    },
    get lastRefused() {
      return lastRefused;
    },
    applied(reason) {
      last = { at: clock(), reason, applied: true, problems: [] };
    },
    refused(reason, problems) {
      last = lastRefused = { at: clock(), reason, applied: false, problems: [...problems] };
    },
  };
}
