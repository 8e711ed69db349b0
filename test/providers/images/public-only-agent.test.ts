// The public-only Agent decides on the addresses the connection itself resolves: a name that
// resolves to this machine is refused before any connection, however it got there.
import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { createPublicOnlyAgent, NonPublicAddressError, type Resolve } from "../../../src/providers/images/public-only-agent.ts";
import { startImageServer, type ImageServer } from "../../fakes/image-server.ts";

describe("the public-only Agent", () => {
  let images: ImageServer;
  beforeAll(async () => {
    images = await startImageServer();
  });
  afterAll(() => images.close());
  beforeEach(() => images.reset());

  /** A resolver that answers every name with `addresses` and records the names it was asked. */
  const scripted = (addresses: LookupAddress[]) => {
    const asked: string[] = [];
    const resolve: Resolve = (hostname, callback) => {
      asked.push(hostname);
      queueMicrotask(() => callback(null, addresses));
    };
    return { asked, resolve };
  };

  const fetchWith = async (resolve: Resolve, url: string) => {
    const agent = createPublicOnlyAgent(resolve);
    try {
      return await request(url, { dispatcher: agent }).then(
        () => "fetched",
        (error: unknown) => error,
      );
    } finally {
      await agent.close();
    }
  };

  it("refuses a name that resolves to loopback, resolving it once and connecting nowhere", async () => {
    const dns = scripted([{ address: "127.0.0.1", family: 4 }]);
    expect(await fetchWith(dns.resolve, `http://images.example.com:${images.port}/ok.png`)).toBeInstanceOf(NonPublicAddressError);
    expect(dns.asked).toEqual(["images.example.com"]);
    expect(images.connections()).toBe(0);
  });

  it("refuses a name when any of its addresses is not public", async () => {
    const dns = scripted([
      { address: "2606:4700:4700::1111", family: 6 },
      { address: "::ffff:127.0.0.1", family: 6 },
      { address: "93.184.215.14", family: 4 },
    ]);
    expect(await fetchWith(dns.resolve, `http://mixed.example.com:${images.port}/ok.png`)).toBeInstanceOf(NonPublicAddressError);
    expect(images.connections()).toBe(0);
  });

  it.each(["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "127.0.0.1", "0.0.0.0", "[::1]"])("refuses the literal %s without resolving or connecting", async (host) => {
    const dns = scripted([]);
    expect(await fetchWith(dns.resolve, `http://${host}:${images.port}/ok.png`)).toBeInstanceOf(NonPublicAddressError);
    expect(dns.asked).toEqual([]);
    expect(images.connections()).toBe(0);
  });

  it("passes a resolver failure through as the connection's error", async () => {
    const failing: Resolve = (_hostname, callback) => queueMicrotask(() => callback(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }), []));
    expect(await fetchWith(failing, `http://gone.example.com:${images.port}/`)).toMatchObject({ code: "ENOTFOUND" });
    expect(images.connections()).toBe(0);
  });
});
