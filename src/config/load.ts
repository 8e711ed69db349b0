// Reads providers.yaml: YAML → ${VAR} interpolation → schema → cross-checks. Every problem is
// reported with its path; nothing here reads files or env at import time.
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { interpolate } from "./interpolate.ts";
import { resolveConfig } from "./resolve.ts";
import { configSchema } from "./schema.ts";
import type { GatewayConfig } from "./types.ts";

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split("\n")[0] ?? e.message}`));
  }
  return configFromObject(doc.toJS(), source, env);
}

/** The same pipeline from an already-parsed object (tests and programmatic use). */
export function configFromObject(tree: unknown, source: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const { value, missing } = interpolate(tree ?? {}, env);
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(source, parsed.error.issues.map((issue) => describeIssue(issue, missing)));
  }
  const resolved = resolveConfig(parsed.data, missing, source);
  if ("problems" in resolved) throw new ConfigError(source, resolved.problems);
  return resolved.config;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

function describeIssue(issue: z.core.$ZodIssue, missing: ReadonlyMap<string, readonly string[]>): string {
  const path = formatPath(issue.path);
  const vars = missing.get(path);
  const hint = vars ? ` (${vars.join(", ")} is not set)` : "";
  if (issue.code === "unrecognized_keys") return `${path}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_union" && issue.path.length >= 2 && issue.path[0] === "providers") {
    return `${path}: not a valid provider (type must be one of openai, azure, anthropic, gemini, ollama, with that type's fields)`;
  }
  return `${path}: ${issue.message}${hint}`;
}
