// Which configured values are secrets: what the gateway must never let out of the process, in
// whatever an upstream echoes back or an error message happens to carry.
import type { RawConfig } from "./schema.ts";

/**
 * Every secret in the config: provider API keys and extra header values, credentials in any
 * configured URL (the Redis URL, a base URL with user:password), gateway keys and the metrics
 * token. Header values of the form `Scheme token` contribute the token on its own as well.
 */
export function configSecrets(raw: RawConfig): string[] {
  const secrets: string[] = [];
  const add = (value: string | undefined) => {
    if (value !== undefined && value.trim() !== "") secrets.push(value);
  };
  for (const provider of Object.values(raw.providers)) {
    if ("api_key" in provider) add(provider.api_key);
    for (const value of Object.values(provider.headers)) {
      add(value);
      add(/^\S+\s+(\S+)$/.exec(value.trim())?.[1]);
    }
    add(urlPassword(provider.type === "azure" ? provider.endpoint : provider.base_url));
  }
  add(urlPassword(raw.limits.redis_url));
  for (const key of raw.keys ?? []) add(key.key);
  add(raw.server.metrics.token);
  return secrets;
}

/** The password of `scheme://user:password@host`, as written and decoded. */
function urlPassword(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const { password } = new URL(url);
    return password === "" ? undefined : decodeURIComponent(password);
  } catch {
    // Not a URL the parser takes: look for the userinfo part by hand.
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i.exec(url)?.[1];
  }
}
