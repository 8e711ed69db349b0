// The hand-rendered histogram family must be valid Prometheus text: checked by parsing it back.
import { describe, expect, it } from "vitest";
import { cellHistogram } from "../../src/telemetry/cell-histogram.ts";
import { parseSamples, seriesName } from "./scrape.ts";

describe("cellHistogram", () => {
  it("renders cumulative buckets, +Inf, sum and count per label set", () => {
    const h = cellHistogram({ name: "t_seconds", help: "A test.", labelNames: ["model"], buckets: [1, 0.1, 10] });
    const a = h.cell(["a"]);
    for (const v of [0.05, 0.1, 0.5, 2, 50]) a.observe(v);
    h.cell(["b"]).observe(0.2);
    h.cell(["a"]).observe(Number.NaN); // ignored, like an impossible duration
    const text = h.render();
    expect(text.startsWith("# HELP t_seconds A test.\n# TYPE t_seconds histogram\n")).toBe(true);
    const s = parseSamples(text);
    const bucket = (model: string, le: string) => s.get(seriesName("t_seconds_bucket", { model, le }));
    expect([bucket("a", "0.1"), bucket("a", "1"), bucket("a", "10"), bucket("a", "+Inf")]).toEqual([2, 3, 4, 5]);
    expect(s.get(seriesName("t_seconds_count", { model: "a" }))).toBe(5);
    expect(s.get(seriesName("t_seconds_sum", { model: "a" }))).toBeCloseTo(52.65, 12);
    expect(bucket("b", "0.1")).toBe(0);
    expect(bucket("b", "1")).toBe(1);
  });

  it("escapes label values and help text so the exposition stays parseable", () => {
    const h = cellHistogram({ name: "t_seconds", help: "back\\slash\nnew line", labelNames: ["model", "provider"], buckets: [1] });
    h.cell(['we"ird\\name\nx', "p"]).observe(0.5);
    const text = h.render();
    expect(text).toContain("# HELP t_seconds back\\\\slash\\nnew line\n");
    const s = parseSamples(text);
    expect(s.get(seriesName("t_seconds_count", { model: 'we"ird\\name\nx', provider: "p" }))).toBe(1);
  });

  it("renders only the header before anything was observed", () => {
    expect(cellHistogram({ name: "t", help: "h", labelNames: ["a"], buckets: [1] }).render()).toBe("# HELP t h\n# TYPE t histogram\n");
  });
});
