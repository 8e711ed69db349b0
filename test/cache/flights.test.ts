// In-process coalescing: a leader's flight, what its followers get whenever they ask, and when
// it leaves the map.
import { describe, expect, it } from "vitest";
import { createFlights, liveFeed, type FlightOutcome } from "../../src/cache/flights.ts";
import type { Entry } from "../../src/cache/entry.ts";

const entry: Entry = { value: { answer: 42 }, storedAt: 1, expiresAt: 2 };

describe("flights", () => {
  it("gives a follower that asked before the leader settled what the leader settled with", async () => {
    const flights = createFlights();
    const flight = flights.lead("k");
    expect(flights.find("k")).toBe(flight);
    const waiting = flight.outcome;
    flight.settle({ kind: "entry", entry });
    await expect(waiting).resolves.toEqual({ kind: "entry", entry });
    expect(flights.find("k")).toBeUndefined();
    expect(flights.size).toBe(0);
  });

  it("gives a follower that asks after the leader settled the same outcome, and the same promise to every follower", async () => {
    const flights = createFlights();
    const flight = flights.lead("k");
    flight.settle({ kind: "none" });
    const first = flight.outcome;
    expect(flight.outcome).toBe(first);
    await expect(first).resolves.toEqual({ kind: "none" });
  });

  it("keeps the first outcome when settled twice", async () => {
    const flight = createFlights().lead("k");
    const waiting = flight.outcome;
    flight.settle({ kind: "entry", entry });
    flight.settle({ kind: "none" });
    await expect(waiting).resolves.toEqual({ kind: "entry", entry });
    await expect(flight.outcome).resolves.toEqual({ kind: "entry", entry });
  });

  it("keeps a live stream's flight until the stream completes, so late requests still follow it", async () => {
    const flights = createFlights();
    const flight = flights.lead("k");
    const feed = liveFeed();
    flight.settle({ kind: "live", feed });
    expect(flights.find("k")).toBe(flight);
    const late: FlightOutcome = await flight.outcome;
    expect(late.kind).toBe("live");
    feed.end(entry);
    await feed.completed;
    await Promise.resolve();
    expect(flights.find("k")).toBeUndefined();
  });

  it("leads one flight per key", () => {
    const flights = createFlights();
    const a = flights.lead("a");
    const b = flights.lead("b");
    expect(flights.size).toBe(2);
    a.settle({ kind: "none" });
    expect(flights.find("a")).toBeUndefined();
    expect(flights.find("b")).toBe(b);
  });
});
