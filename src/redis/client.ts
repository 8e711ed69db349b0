// Every Redis client the gateway makes (limit store, cache tier, stored responses) is built from
// the class returned here, so ioredis loads when the first one is made rather than at start: a
// gateway on the memory stores never connects to Redis, and the module is some 60 ms of a cold
// start.
import { createRequire } from "node:module";
import type { Redis } from "ioredis";

let loaded: typeof Redis | undefined;

export function redisClient(): typeof Redis {
  loaded ??= (createRequire(import.meta.url)("ioredis") as { Redis: typeof Redis }).Redis;
  return loaded;
}
