// A counter whose per-request increments are plain additions on a cached cell; prom-client
// only sees the totals when /metrics is scraped (its own inc() validates and hashes the label
// set on every call, about a microsecond each, and a request bumps several counters).
import { Counter, type Registry } from "prom-client";

export interface CounterCell {
  value: number;
}

export interface CellCounter {
  /** The cell for these label values (in `labelNames` order), created on first use. */
  cell(values: readonly string[]): CounterCell;
}

interface Cell extends CounterCell {
  readonly labels: Readonly<Record<string, string>>;
}

export function cellCounter(registry: Registry, config: { name: string; help: string; labelNames: readonly string[] }): CellCounter {
  const cells = new Map<string, Cell>();
  new Counter({
    name: config.name,
    help: config.help,
    labelNames: config.labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cells.values()) this.inc(c.labels, c.value);
    },
  });
  return {
    cell(values) {
      const id = values.join("\u0001");
      let found = cells.get(id);
      if (!found) {
        const labels: Record<string, string> = {};
        config.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ""));
        found = { labels: Object.freeze(labels), value: 0 };
        cells.set(id, found);
      }
      return found;
    },
  };
}
