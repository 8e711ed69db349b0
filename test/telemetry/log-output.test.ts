import { afterEach, describe, expect, it, vi } from "vitest";
import { LineBatch, type BlockSink } from "../../src/telemetry/line-batch.ts";
import { pino } from "pino";
import { isoTimeNow, lineWriter, STDOUT_BATCH } from "../../src/telemetry/logger.ts";

/** A sink that copies what it is handed (the batch must not write into a block it handed on). */
function recordingSink(): BlockSink & { flushes: number; syncFlushes: number; text(): string } {
  const sink = {
    flushes: 0,
    syncFlushes: 0,
    held: [] as Buffer[],
    write(block: Buffer) {
      sink.held.push(block);
      return true;
    },
    flush(cb?: (err?: Error) => void) {
      sink.flushes += 1;
      cb?.();
    },
    flushSync() {
      sink.syncFlushes += 1;
    },
    text() {
      return Buffer.concat(sink.held).toString("utf8");
    },
  };
  return sink;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("LineBatch", () => {
  it("hands on whole blocks once they reach the minimum, in order and unchanged", () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, { minBytes: 64, flushMs: 100 });
    const lines = Array.from({ length: 40 }, (_, i) => `{"n":${i},"text":"é ✓ 𝄞 line"}\n`);
    for (const line of lines) batch.gather(line);
    batch.gather("tail\n");
    batch.flushSync();
    expect(sink.text()).toBe(`${lines.join("")}tail\n`);
    expect(sink.syncFlushes).toBe(1);
  });

  it("keeps handed-on blocks intact while later lines are gathered", () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, { minBytes: 16, flushMs: 100 });
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${"x".repeat(i % 7)}\n`);
    const copies: string[] = [];
    const held = sink.write.bind(sink);
    sink.write = (block: Buffer) => {
      copies.push(block.toString("utf8"));
      return held(block);
    };
    for (const line of lines) batch.gather(line);
    batch.flush();
    expect(sink.text()).toBe(copies.join(""));
    expect(sink.text()).toBe(lines.join(""));
  });

  it("writes a line longer than its room on its own, after what was gathered", () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, { minBytes: 32, flushMs: 100 });
    const long = `${"ü".repeat(500)}\n`;
    batch.gather("first\n");
    batch.gather(long);
    batch.gather("last\n");
    batch.flush();
    expect(sink.text()).toBe(`first\n${long}last\n`);
  });

  it("as standard output gathers them: a block once 64 KB are gathered, whatever is gathered after 100 ms", () => {
    vi.useFakeTimers();
    const sink = recordingSink();
    const batch = new LineBatch(sink, STDOUT_BATCH);
    const line = `${"x".repeat(1023)}\n`;
    for (let i = 0; i < 63; i++) batch.gather(line);
    expect(sink.text()).toBe("");
    batch.gather(line);
    expect(sink.text()).toHaveLength(65_536);
    batch.gather("late\n");
    vi.advanceTimersByTime(99);
    expect(sink.text()).toHaveLength(65_536);
    vi.advanceTimersByTime(1);
    expect(sink.text().endsWith("late\n")).toBe(true);
  });

  it("hands on a partial block after flushMs", () => {
    vi.useFakeTimers();
    const sink = recordingSink();
    const batch = new LineBatch(sink, { minBytes: 8192, flushMs: 100 });
    batch.gather("one\n");
    batch.gather("two\n");
    expect(sink.text()).toBe("");
    vi.advanceTimersByTime(100);
    expect(sink.text()).toBe("one\ntwo\n");
  });

  it("hands on a line written through pino's write at once, after the lines gathered before it", () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, { minBytes: 8192, flushMs: 100 });
    batch.gather("request\n");
    expect(batch.write("warning\n")).toBe(true);
    expect(sink.text()).toBe("request\nwarning\n");
    batch.gather("next\n");
    expect(sink.text()).toBe("request\nwarning\n");
  });

  it("flushes through the sink with the callback, and skips a sync flush with nothing gathered", () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, { minBytes: 8192, flushMs: 100 });
    batch.flushSync();
    expect(sink.syncFlushes).toBe(0);
    const done = vi.fn();
    batch.gather("x\n");
    batch.flush(done);
    expect(done).toHaveBeenCalledOnce();
    expect(sink.text()).toBe("x\n");
  });
});

describe("isoTimeNow", () => {
  it("is toISOString of the same instant", () => {
    const instants = [0, 1, 999, 1_000, 1_764_671_477_325, 1_764_671_477_999, 1_764_671_478_000, 253_402_300_799_999, -1, -1_000, -86_400_001];
    for (let i = 0; i < 2_000; i++) instants.push(1_764_671_477_000 + i * 7 + (i % 3));
    for (const t of instants) expect(isoTimeNow(t)).toBe(new Date(t).toISOString());
  });
});

describe("lineWriter on a line batch", () => {
  it("gathers access lines until a block or flushMs, while pino's own lines go out at once", () => {
    vi.useFakeTimers();
    const sink = recordingSink();
    const logger = pino({ level: "info", base: { service: "llm-gateway" }, formatters: { level: (label) => ({ level: label }) } }, new LineBatch(sink, { minBytes: 8192, flushMs: 100 }));
    const write = lineWriter(logger, "request");
    write("info", { requestId: "req-1", status: 200 });
    expect(sink.text()).toBe("");
    logger.warn("store unreachable");
    const [access, warning] = sink.text().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(access).toMatchObject({ level: "info", service: "llm-gateway", requestId: "req-1", status: 200, msg: "request" });
    expect(warning).toMatchObject({ level: "warn", msg: "store unreachable" });
    write("info", { requestId: "req-2", status: 200 });
    vi.advanceTimersByTime(99);
    expect(sink.text()).not.toContain("req-2");
    vi.advanceTimersByTime(1);
    expect(sink.text()).toContain('"requestId":"req-2"');
  });
});
