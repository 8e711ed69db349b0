// Spawn → first 200 on a chat request, for a fresh process of the arm, polled every 2 ms.
import { coldStartMs } from "../harness/arms.ts";
import type { Metrics, Scenario } from "./types.ts";

export const coldStart: Scenario = {
  name: "coldstart",
  about: "spawn of a fresh arm process → first 200 on a chat request",
  appliesTo: (arm) => arm !== "direct",
  async run(ctx): Promise<Metrics> {
    return { ms: await coldStartMs(ctx.arm.spec, { fakes: ctx.fakes, core: ctx.core }) };
  },
};
