// `${VAR}` and `${VAR:-default}` interpolation over the parsed YAML tree (not the raw text, so a
// value can never inject YAML). Unset variables are recorded by path: a provider or key whose
// secret is missing is disabled with a warning instead of failing the whole config.

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  value: unknown;
  /** Dotted path → names of the unset variables that path referenced. */
  missing: Map<string, string[]>;
}

export function interpolate(tree: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const missing = new Map<string, string[]>();
  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === "string") return substitute(node, path, env, missing);
    if (Array.isArray(node)) return node.map((item, i) => visit(item, `${path}[${i}]`));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = visit(child, path ? `${path}.${key}` : key);
      return out;
    }
    return node;
  };
  return { value: visit(tree, ""), missing };
}

function substitute(text: string, path: string, env: NodeJS.ProcessEnv, missing: Map<string, string[]>): unknown {
  if (!text.includes("${")) return text;
  const unset: string[] = [];
  const whole = /^\$\{[^}]+\}$/.test(text);
  const result = text.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (fallback !== undefined) return fallback;
    unset.push(name);
    return "";
  });
  // A missing variable becomes "": the schema still sees a string, and resolution disables
  // whatever provider or key depended on it, naming the variable.
  if (unset.length > 0) missing.set(path, unset);
  // `${PORT:-8080}` in a numeric field: YAML already gave us a string, so restore the scalar type.
  if (whole && result !== "" && /^-?\d+(\.\d+)?$/.test(result)) return Number(result);
  if (whole && (result === "true" || result === "false")) return result === "true";
  return result;
}
