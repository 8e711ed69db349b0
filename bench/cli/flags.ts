// Minimal `--name value` / `--flag` parsing for the bench processes (no dependency, no magic).

export type Flags = Map<string, string>;

export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined || !arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("--")) {
      flags.set(arg.slice(2), next);
      i++;
    } else {
      flags.set(arg.slice(2), "true");
    }
  }
  return flags;
}

export function numberFlag(flags: Flags, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${raw}`);
  return value;
}

/** A number flag with no default: undefined when it is not given. */
export function optionalNumberFlag(flags: Flags, name: string): number | undefined {
  return flags.has(name) ? numberFlag(flags, name, 0) : undefined;
}

/** A `--header "name: value"` flag's value as a header object (name lower-cased); none for undefined. */
export function headerPair(pair: string | undefined): Record<string, string> {
  if (pair === undefined) return {};
  const colon = pair.indexOf(":");
  if (colon <= 0) throw new Error(`--header must be "name: value", got ${pair}`);
  return { [pair.slice(0, colon).trim().toLowerCase()]: pair.slice(colon + 1).trim() };
}

export function stringFlag(flags: Flags, name: string, fallback: string): string {
  return flags.get(name) ?? fallback;
}

/** The line every bench server prints once it listens; the runner parses it to learn the port. */
export const listeningLine = (name: string, port: number): string => `${name} listening on 127.0.0.1:${port}`;
export const LISTENING_PATTERN = /listening on 127\.0\.0\.1:(\d+)/;
