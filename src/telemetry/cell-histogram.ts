// A histogram for the per-request path: observing is a bucket scan and three additions on a
// cached cell, and the Prometheus text is rendered only when scraped. prom-client's own
// Histogram.observe() validates and hashes the label set on every call (about 0.8 µs here,
// and a request observes up to five histograms); it has no public way to publish counts kept
// elsewhere, so these series are rendered by hand in the standard text format.

export interface HistogramCell {
  observe(value: number): void;
}

export interface CellHistogram {
  /** The cell for these label values (in `labelNames` order), created on first use. */
  cell(values: readonly string[]): HistogramCell;
  /** The family in the Prometheus text format (HELP, TYPE, then each cell's series). */
  render(): string;
  /** A copy of every cell's counts, for readers inside the process (the status page). */
  snapshot(): HistogramSnapshot;
}

export interface HistogramSnapshot {
  /** Upper bounds, ascending; each series has one more count, for above the highest. */
  readonly bounds: readonly number[];
  readonly series: readonly { readonly labels: Readonly<Record<string, string>>; readonly counts: readonly number[] }[];
}

interface Cell extends HistogramCell {
  readonly labels: Readonly<Record<string, string>>;
  /** `name="value",` pairs, escaped once at creation. */
  readonly labelText: string;
  /** Observations per bucket, not cumulative; the last slot is above the highest bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export function cellHistogram(config: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] }): CellHistogram {
  const bounds = [...config.buckets].sort((a, b) => a - b);
  const boundText = bounds.map(formatNumber);
  const cells = new Map<string, Cell>();
  const header = `# HELP ${config.name} ${escapeHelp(config.help)}\n# TYPE ${config.name} histogram\n`;

  const makeCell = (values: readonly string[]): Cell => {
    const labelText = config.labelNames.map((name, i) => `${name}="${escapeLabel(values[i] ?? "")}",`).join("");
    const counts = new Float64Array(bounds.length + 1);
    const labels = Object.freeze(Object.fromEntries(config.labelNames.map((name, i) => [name, values[i] ?? ""])));
    const cell: Cell = {
      labels,
      labelText,
      counts,
      sum: 0,
      count: 0,
      observe(value) {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        counts[i] = (counts[i] as number) + 1;
        cell.sum += value;
        cell.count += 1;
      },
    };
    return cell;
  };

  return {
    cell(values) {
      const id = values.join("\u0001");
      let found = cells.get(id);
      if (!found) {
        found = makeCell(values);
        cells.set(id, found);
      }
      return found;
    },
    snapshot() {
      return { bounds, series: [...cells.values()].map((c) => ({ labels: c.labels, counts: [...c.counts] })) };
    },
    render() {
      let out = header;
      for (const c of cells.values()) {
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += c.counts[i] as number;
          out += `${config.name}_bucket{${c.labelText}le="${boundText[i] ?? ""}"} ${cumulative}\n`;
        }
        const labels = c.labelText.slice(0, -1);
        out += `${config.name}_bucket{${c.labelText}le="+Inf"} ${c.count}\n`;
        out += `${config.name}_sum{${labels}} ${formatNumber(c.sum)}\n`;
        out += `${config.name}_count{${labels}} ${c.count}\n`;
      }
      return out;
    },
  };
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Label values escape backslash, double quote and line feed (the text format's rules). */
function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}
