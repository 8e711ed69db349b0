// CLI entry: `node dist/index.js [--config PATH] [--port N]` (main.ts). The compile cache goes on
// before anything else loads, so the config, server and provider SDK modules are not compiled
// from scratch on every start (compile-cache.ts).
import { enableCompileCache } from "./compile-cache.ts";

enableCompileCache();
await import("./main.ts");
