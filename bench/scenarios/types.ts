// What a scenario gets and gives back: one arm, the fakes, the run profile; named numbers out.
import type { Agent } from "undici";
import type { ArmName, RunningArm } from "../harness/arms.ts";
import type { Fakes } from "../harness/fakes.ts";
import type { Profile } from "./profile.ts";

export type Metrics = Record<string, number>;

export interface ScenarioContext {
  arm: RunningArm;
  fakes: Fakes;
  profile: Profile;
  /** Keep-alive agent for the streaming client (no connection cap). */
  agent: Agent;
  /** The arm core, for scenarios that spawn a fresh arm process. */
  core: number | undefined;
  /**
   * Another process of this arm's build on the arm core (`n` picks which), started on first use
   * and kept (warm from its use) until the run ends: for measuring two kinds of request at the
   * same time without leaving their state in the arm the other scenarios measure.
   */
  twin(n: number): Promise<RunningArm>;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  /** One line for --help and the README. */
  about: string;
  appliesTo(arm: ArmName): boolean;
  run(ctx: ScenarioContext): Promise<Metrics>;
}
