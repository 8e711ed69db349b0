// A whole answer goes out byte for byte with its length, whether it is sent as text (small UTF-8)
// or as the bytes it came in (anything else).
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWhole } from "../../src/http/relay-response.ts";

let body: Uint8Array = new Uint8Array();
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((_req, res) => sendWhole(res, 200, { "content-type": "application/json", "x-own": "1" }, body));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

function fetchRaw(): Promise<{ headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    request(origin, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

describe("sendWhole", () => {
  const cases: Record<string, Uint8Array> = {
    "small UTF-8 with multi-byte characters": Buffer.from(JSON.stringify({ text: "héllo – 世界 😀" })),
    "bytes that are not UTF-8": Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]),
    "a view into a larger buffer": Buffer.from("xx{\"a\":1}yy").subarray(2, 9),
    "a large body": Buffer.from(JSON.stringify({ text: "é".repeat(40_000) })),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    it(`sends ${name} as it is, with its length`, async () => {
      body = bytes;
      const answer = await fetchRaw();
      expect(answer.headers["content-length"]).toBe(String(bytes.byteLength));
      expect(answer.headers["x-own"]).toBe("1");
      expect(answer.bytes.equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).toBe(true);
    });
  }
});
