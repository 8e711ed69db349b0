// The client's `Cache-Control` request header, as the cache reads it: `no-store` neither reads
// nor writes, `no-cache` skips the read but stores the fresh answer, `max-age=N` accepts
// entries up to N seconds old. Unknown directives are ignored, as HTTP caches do.
import type { IncomingHttpHeaders } from "node:http";

export interface CacheControls {
  readonly read: boolean;
  readonly write: boolean;
  readonly maxAgeS: number | undefined;
}

const DEFAULT: CacheControls = { read: true, write: true, maxAgeS: undefined };

const NO_CACHE: CacheControls = { read: false, write: true, maxAgeS: undefined };
const NO_STORE: CacheControls = { read: false, write: false, maxAgeS: undefined };

export function cacheControls(headers: IncomingHttpHeaders): CacheControls {
  const header = headers["cache-control"];
  if (header === undefined || header === "") return DEFAULT;
  // What clients send almost always: one directive, as written here.
  if (header === "no-cache") return NO_CACHE;
  if (header === "no-store") return NO_STORE;
  let read = true;
  let write = true;
  let maxAgeS: number | undefined;
  for (const raw of header.toLowerCase().split(",")) {
    const directive = raw.trim();
    if (directive === "no-store") {
      read = false;
      write = false;
    } else if (directive === "no-cache") {
      read = false;
    } else if (directive.startsWith("max-age=")) {
      const seconds = Number(directive.slice(8).replace(/^"|"$/g, ""));
      if (Number.isInteger(seconds) && seconds >= 0) maxAgeS = seconds;
    }
  }
  return { read, write, maxAgeS };
}
