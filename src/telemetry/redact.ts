// Secret redaction. Two kinds: patterns for the optional body logging (`logging.bodies: true`),
// since prompts routinely carry pasted credentials; and the exact secrets of the config, taken
// out of everything that leaves the process (client errors, log lines, /health/providers),
// since an upstream may echo the credential it was sent.

export const REDACTED = "[redacted]";

const PATTERNS: readonly [RegExp, string][] = [
  // PEM private keys, whole block.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  // `Bearer <token>` wherever it appears (headers pasted into a prompt, curl commands).
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // OpenAI / Anthropic / OpenRouter style keys: sk-..., sk-proj-..., sk-ant-api03-...
  [/\bsk-[A-Za-z0-9_-]{8,}/g, REDACTED],
  // Google API keys, AWS access key ids, GitHub and Slack tokens, JWTs.
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b/g, REDACTED],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, REDACTED],
  // Credentials in URLs: scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  // key=value / "key": "value" for fields whose name says secret.
  [
    /\b((?:x-)?api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|secret|password|passwd|token|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|\[redacted\])[^\s"',;}&]+/gi,
    `$1$2${REDACTED}`,
  ],
];

/** The text with every recognised secret replaced by [redacted]. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_FIELD = /^(?:(?:x-)?api[_-]?key|key|authorization|password|passwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token)$/i;
const DATA_URL = /^data:([^;,]*)[;,]/;
const MAX_DEPTH = 12;

/**
 * A redacted copy of a JSON-like value (the request's messages): strings through
 * redactSecrets, secret-named fields replaced whole, inline images shortened to their type
 * and size (they are not secrets, but they would swamp the log).
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    const image = DATA_URL.exec(value);
    if (image) return `data:${image[1] ?? ""} (${value.length} chars)`;
    return redactSecrets(value);
  }
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((v: unknown) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    out[name] = SECRET_FIELD.test(name) && v !== null && v !== undefined ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

/** A text with the configured secrets taken out; built once per config (see secretRedactor). */
export type Redact = (text: string) => string;

/** Below this length a secret would match inside ordinary words, so it is matched as a whole token only. */
const MIN_SUBSTRING_SECRET = 8;

/**
 * One precompiled pass that replaces every occurrence of the given secrets (and their
 * URL-encoded forms) with [redacted]. Longer secrets are tried first, so a secret that
 * contains another is removed whole. With no secrets it is the identity.
 */
export function secretRedactor(secrets: Iterable<string>): Redact {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.trim() === "") continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  if (forms.size === 0) return (text) => text;
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((s) => (s.length >= MIN_SUBSTRING_SECRET ? escapeRegExp(s) : `(?<![A-Za-z0-9_-])${escapeRegExp(s)}(?![A-Za-z0-9_-])`));
  const pattern = new RegExp(alternatives.join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A thrown value as a log line shows it (pino's `err` shape), with the secrets taken out. */
export function loggableError(error: unknown, redact: Redact): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: redact(String(error)) };
  return { type: error.name, message: redact(error.message), ...(error.stack === undefined ? {} : { stack: redact(error.stack) }) };
}
