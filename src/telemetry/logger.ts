// Structured logs: JSON lines off the event loop's critical path (pino's async destination),
// pretty only for a person at a terminal. Secrets never reach a log line because lines are
// built from known fields only (request bodies, when enabled, are redacted before logging);
// a path-based redaction pass on every line measured at ~4% of a request's CPU.
import { pino, type Logger, type LoggerOptions } from "pino";
import { LineBatch, type BlockSink, type LineBatchOptions } from "./line-batch.ts";

export type { Logger };

export interface LoggerSettings {
  level: string;
  format: "auto" | "json" | "pretty";
}

export function createLogger(settings: LoggerSettings, destination?: NodeJS.WritableStream): Logger {
  const level = process.env["LOG_LEVEL"] ?? settings.level;
  const format = (process.env["LOG_FORMAT"] as LoggerSettings["format"] | undefined) ?? settings.format;
  const options: LoggerOptions = {
    level,
    base: { service: "llm-gateway" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(options, destination);
  const pretty = format === "pretty" || (format === "auto" && process.stdout.isTTY);
  if (pretty) {
    return pino({ ...options, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } });
  }
  // Lines gather up to 64 KB (or 100 ms) per write: one write per line cost a thread-pool
  // round trip each, about a tenth of a pass-through request's CPU, and 8 KB blocks still
  // about 3 % of a Messages request's (bench/FINDINGS.md §15).
  return pino(options, batchedStdout());
}

/** How standard output gathers the access lines: the blocks and the wait the README promises. */
export const STDOUT_BATCH: LineBatchOptions = { minBytes: 65_536, flushMs: 100 };

/**
 * Standard output behind a line batch. pino flushes the descriptor's writer at exit; lines
 * still in the batch are handed to it first, by listeners registered before pino's.
 */
function batchedStdout(): LineBatch {
  // Registered before pino.destination registers its own, so they run first.
  process.once("beforeExit", () => batch.flush());
  process.once("exit", () => batch.flushSync());
  // In buffer mode sonic-boom's write takes Buffers, which its types do not say.
  const sink = pino.destination({ dest: 1, sync: false, contentMode: "buffer" }) as unknown as BlockSink;
  const batch = new LineBatch(sink, STDOUT_BATCH);
  return batch;
}

export type LineLevel = "debug" | "info" | "warn";

/** An object's members as JSON text, each preceded by a comma (empty for no members). */
function membersOf(fields: object): string {
  const body = JSON.stringify(fields);
  return body.length > 2 ? `,${body.slice(1, -1)}` : "";
}

/**
 * Writes the per-request line straight to the logger's destination, in the same shape as
 * pino's lines: one JSON.stringify of a flat object instead of pino's per-field serializer,
 * which measured at about a tenth of a request's CPU on the pass-through path.
 */
export function lineWriter(logger: Logger, msg: string): (level: LineLevel, fields: object) => void {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown } | undefined>)[pino.symbols.streamSym];
  if (!stream) return (level, fields) => logger[level](fields, msg);
  const tail = `,"msg":${JSON.stringify(msg)}}\n`;
  // The production destination gathers these lines; any other stream takes each as it comes.
  const put = stream instanceof LineBatch ? (line: string) => stream.gather(line) : (line: string) => stream.write(line);
  return (level, fields) => {
    if (!logger.isLevelEnabled(level)) return;
    put(`{"level":"${level}","time":"${isoTimeNow()}","service":"llm-gateway"${membersOf(fields)}${tail}`);
  };
}

/** "000Z" to "999Z": the milliseconds and zone of an ISO time. */
const MILLIS = Array.from({ length: 1_000 }, (_, ms) => `${String(ms).padStart(3, "0")}Z`);
let isoSecond = Number.NaN;
let isoSecondText = "";

/**
 * `new Date().toISOString()`, from the current second's text (made once a second) and the
 * milliseconds: toISOString measured at about 0.4-0.8 µs, a noticeable part of the line.
 */
export function isoTimeNow(now: number = Date.now()): string {
  const second = Math.floor(now / 1_000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoSecondText = new Date(second * 1_000).toISOString().slice(0, 20);
  }
  return isoSecondText + (MILLIS[now - second * 1_000] as string);
}
