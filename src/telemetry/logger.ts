// Structured logs: JSON lines off the event loop's critical path (pino's async destination),
// pretty only for a person at a terminal. Secrets never reach a log line: known secret
// fields are redacted wherever they appear.
import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

export interface LoggerSettings {
  level: string;
  format: "auto" | "json" | "pretty";
}

const REDACT = [
  "api_key",
  "*.api_key",
  "key",
  "*.key",
  "authorization",
  "*.authorization",
  "headers.authorization",
  'headers["x-api-key"]',
  "token",
  "*.token",
];

export function createLogger(settings: LoggerSettings, destination?: NodeJS.WritableStream): Logger {
  const level = process.env["LOG_LEVEL"] ?? settings.level;
  const format = (process.env["LOG_FORMAT"] as LoggerSettings["format"] | undefined) ?? settings.format;
  const options: LoggerOptions = {
    level,
    base: { service: "llm-gateway" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: "[redacted]" },
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return pino(options, destination);
  const pretty = format === "pretty" || (format === "auto" && process.stdout.isTTY);
  if (pretty) {
    return pino({ ...options, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } });
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
