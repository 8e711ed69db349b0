// What every operation's cache code shares: the tiers, the in-flight map, and where hits and
// misses are reported.
import type { Api } from "../pipeline/front-door.ts";
import type { Tier } from "./entry.ts";
import type { Flights } from "./flights.ts";
import type { EntryStore } from "./tiers.ts";

export interface CacheEvents {
  hit(model: string, api: Api, tier: Tier): void;
  miss(model: string, api: Api, tier: Tier): void;
}

export interface CacheContext {
  readonly store: EntryStore;
  readonly flights: Flights;
  readonly events: CacheEvents;
}
