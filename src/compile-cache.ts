// Node's on-disk compile cache (V8 code for every module loaded after it is enabled). Node checks
// each file's content hash against its entry, so an upgraded file is compiled afresh, and keys the
// directory by Node version and user. Where it lives is Node's own setting: NODE_COMPILE_CACHE,
// else <tmpdir>/node-compile-cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off. A directory that
// cannot be created or written means an uncached start, never a failed one.
import * as nodeModule from "node:module";

// enableCompileCache is Node 22.1+, flushCompileCache 22.10+: older versions start uncached.
const api: Partial<typeof nodeModule> = nodeModule;

export function enableCompileCache(): void {
  try {
    api.enableCompileCache?.();
  } catch {
    // the cache is an optimisation: starting matters more
  }
}

/** Writes what was compiled so far; Node otherwise writes only at exit, which a killed process never reaches. */
export function flushCompileCache(): void {
  try {
    api.flushCompileCache?.();
  } catch {
    // as above
  }
}
