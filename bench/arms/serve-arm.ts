// Common start-up for the pass-through arms: `--port P --upstream URL`, print the listening line.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { listeningLine, numberFlag, parseFlags, stringFlag } from "../cli/flags.ts";
import { exitWithParent } from "../process/exit-with-parent.ts";
import { startArmStats } from "./arm-stats.ts";

export interface ArmArgs {
  port: number;
  upstream: URL;
  /** Serve GET /__arm/stats (event-loop delay, GC pauses) for the tail experiments. */
  stats: boolean;
}

export function armArgs(argv: readonly string[] = process.argv.slice(2)): ArmArgs {
  const flags = parseFlags(argv);
  const upstream = flags.get("upstream");
  if (upstream === undefined) throw new Error("--upstream http://127.0.0.1:PORT is required");
  return { port: numberFlag(flags, "port", 0), upstream: new URL(stringFlag(flags, "upstream", upstream)), stats: flags.get("stats") === "true" };
}

/** Listens on 127.0.0.1, prints the port, and exits cleanly on SIGTERM/SIGINT. */
export async function listen(name: string, server: Server, args: ArmArgs): Promise<number> {
  if (args.stats) startArmStats();
  await new Promise<void>((resolve) => server.listen(args.port, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  console.log(listeningLine(name, port));
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  exitWithParent();
  return port;
}
