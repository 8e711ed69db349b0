// A JSON answer read whole from the body's events: every chunk in order, and a body that breaks,
// closes early or was already broken before the read rejects instead of hanging.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { wholeBody } from "../../src/providers/whole-body.ts";

describe("wholeBody", () => {
  it("joins every chunk in order, and hands a single chunk on as it is", async () => {
    expect((await wholeBody(Readable.from([Buffer.from("{\"a\":"), Buffer.from("1}")]))).toString()).toBe("{\"a\":1}");
    const one = Buffer.from("{}");
    expect(await wholeBody(Readable.from([one]))).toBe(one);
  });

  it("rejects with the body's error when it breaks mid-way", async () => {
    let sent = false;
    const body = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(Buffer.from("{\"a\""));
        } else this.destroy(new Error("socket hang up"));
      },
    });
    await expect(wholeBody(body)).rejects.toThrow("socket hang up");
  });

  it("rejects when the body closes without an end", async () => {
    const body = new Readable({ read() {} });
    setTimeout(() => body.destroy(), 5);
    await expect(wholeBody(body)).rejects.toThrow("closed before its end");
  });

  it("rejects a body that failed before the read began", async () => {
    const body = new Readable({ read() {} });
    body.on("error", () => {});
    body.destroy(new Error("reset"));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(wholeBody(body)).rejects.toThrow("reset");
  });
});
