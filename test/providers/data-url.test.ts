// Data URLs in image parts, decoded for providers that take images inline.
import { describe, expect, it } from "vitest";
import { parseDataUrl } from "../../src/providers/images.ts";

describe("parseDataUrl", () => {
  it("decodes percent-encoded bytes that are not UTF-8 text", () => {
    // A PNG signature starts with 0x89, which decodeURIComponent refuses.
    const image = parseDataUrl("data:image/png,%89PNG%0D%0A%1A%0A");
    expect(Buffer.from(image?.data ?? "", "base64")).toEqual(Buffer.from("89504e470d0a1a0a", "hex"));
    expect(image?.mimeType).toBe("image/png");
  });

  it("keeps a percent sign without two hex digits and encodes other characters as UTF-8", () => {
    const image = parseDataUrl("data:text/plain,100%zz é");
    expect(Buffer.from(image?.data ?? "", "base64").toString("utf8")).toBe("100%zz é");
  });

  it("passes base64 payloads through", () => {
    expect(parseDataUrl("data:image/gif;base64,R0lGOD")?.data).toBe("R0lGOD");
  });
});
