// OpenAI tool-call arguments (a JSON string) as the object the translated upstreams take.
import { describe, expect, it } from "vitest";
import { argumentsObject, type ArgumentsFault } from "../../src/providers/tool-arguments.ts";

class Rejected extends Error {
  readonly fault: ArgumentsFault;
  constructor(fault: ArgumentsFault) {
    super(fault);
    this.fault = fault;
  }
}

const parse = (raw: string) => argumentsObject(raw, (fault) => new Rejected(fault));

function faultOf(raw: string): ArgumentsFault {
  try {
    parse(raw);
  } catch (error) {
    if (error instanceof Rejected) return error.fault;
    throw error;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe("argumentsObject", () => {
  it("parses an object, nested values and all", () => {
    expect(parse('{"city":"Reykjavík","days":[1,2],"units":{"temp":"C"}}')).toEqual({ city: "Reykjavík", days: [1, 2], units: { temp: "C" } });
  });

  it("takes empty or blank arguments as no arguments", () => {
    expect(parse("")).toEqual({});
    expect(parse(" \n")).toEqual({});
  });

  it("rejects text that is not JSON", () => {
    expect(faultOf('{"city":')).toBe("invalid-json");
  });

  it.each(["[1,2]", '"Oslo"', "null", "42", "true"])("rejects %s, JSON that is not an object", (raw) => {
    expect(faultOf(raw)).toBe("not-object");
  });
});
