// A clock tests move by hand, so limits can be checked to the millisecond without waiting.
export type FakeClock = (() => number) & { advance(ms: number): void };

export function fakeClock(start = Date.now()): FakeClock {
  let now = start;
  return Object.assign(() => now, {
    advance(ms: number) {
      now += ms;
    },
  });
}
