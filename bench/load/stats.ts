// Order statistics over raw samples (no histogram bucketing: sub-millisecond differences matter).

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Median of values, ignoring NaN; NaN when nothing is left. */
export function median(values: readonly number[]): number {
  const clean = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (clean.length === 0) return Number.NaN;
  const mid = clean.length >> 1;
  return clean.length % 2 === 1 ? (clean[mid] as number) : ((clean[mid - 1] as number) + (clean[mid] as number)) / 2;
}

/** A growable float buffer: recording a latency must not allocate per sample. */
export class Samples {
  private data = new Float64Array(1024);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  get length(): number {
    return this.size;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.size).sort();
  }
}

/** Least-squares slope of y over x (used for RSS growth per minute). */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const denom = n * sxx - sx * sx;
  return denom === 0 ? Number.NaN : (n * sxy - sx * sy) / denom;
}
