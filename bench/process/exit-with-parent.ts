// A bench server exits when the runner that spawned it is gone (a crashed or killed runner must
// not leave proxies and fakes running on the benchmark cores).
export function exitWithParent(): void {
  const parent = Number(process.env["BENCH_PARENT_PID"]);
  if (!Number.isInteger(parent) || parent <= 1) return;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
  }, 1_000).unref();
}
