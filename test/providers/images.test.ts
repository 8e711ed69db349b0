// Loading a request's images for upstreams that cannot take them by URL.
import { describe, expect, it } from "vitest";
import { loadImages } from "../../src/providers/images.ts";
import { GatewayInputError } from "../../src/providers/input-error.ts";

const policy = { allow_private_hosts: false, max_bytes: 64, timeout_ms: 1000 };
const live = new AbortController().signal;
const png = "data:image/png;base64,iVBORw0KGgo=";
const svg = "data:image/svg+xml,%3Csvg%2F%3E";

describe("loadImages", () => {
  it("keys each decoded image by its URL", async () => {
    const images = await loadImages([png, svg], policy, live);
    expect([...images.keys()]).toEqual([png, svg]);
    expect(images.get(png)).toEqual({ mimeType: "image/png", data: "iVBORw0KGgo=" });
    expect(images.get(svg)).toEqual({ mimeType: "image/svg+xml", data: Buffer.from("<svg/>").toString("base64") });
  });

  it("is empty for a request without images", async () => {
    expect((await loadImages([], policy, live)).size).toBe(0);
  });

  it("fails as a whole when one image is refused", async () => {
    const large = `data:image/png;base64,${"A".repeat(200)}`;
    await expect(loadImages([png, large], policy, live)).rejects.toBeInstanceOf(GatewayInputError);
  });
});
