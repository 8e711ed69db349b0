// The image URL address policy through the real gateway: with private hosts not allowed, a URL
// that leads to this machine is refused in every spelling, before any connection is made, and
// the refusal says nothing about the address or port.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { startImageServer, type ImageServer } from "../fakes/image-server.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { apiError } from "../harness/client-calls.ts";
import { resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

describe("image URLs that lead to a non-public address", () => {
  let gemini: FakeUpstream;
  let ollama: FakeUpstream;
  let images: ImageServer;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    [gemini, ollama, images] = await Promise.all([startGeminiFake(), startOllamaFake(), startImageServer()]);
    gw = await startTestGateway({
      providers: {
        gem: { type: "gemini", api_key: "AIza-test", base_url: gemini.origin },
        local: { type: "ollama", base_url: ollama.origin },
      },
      models: {
        flash: { targets: [{ provider: "gem", model: "gemini-2.5-flash" }] },
        llama: { targets: [{ provider: "local", model: "llama3.2-vision" }] },
      },
      resilience: { retries: 0 },
      images: { allow_private_hosts: false, timeout_ms: 2000 },
    });
    client = gw.client();
  });
  afterAll(() => stopAll(gw, gemini, ollama, images));
  beforeEach(() => resetAll(gemini, ollama, images));

  // Each of these reaches the image server listening on 127.0.0.1 when nothing stops it.
  const spellings = (port: number) => [
    `http://localhost:${port}/ok.png`,
    `http://127.0.0.1:${port}/ok.png`,
    `http://127.1:${port}/ok.png`,
    `http://2130706433:${port}/ok.png`,
    `http://0.0.0.0:${port}/ok.png`,
    `http://[::ffff:127.0.0.1]:${port}/ok.png`,
    `http://[::ffff:7f00:1]:${port}/ok.png`,
    `http://[0:0:0:0:0:ffff:7f00:1]:${port}/ok.png`,
  ];

  describe.each([
    { provider: "Gemini", model: "flash", fake: () => gemini },
    { provider: "Ollama", model: "llama", fake: () => ollama },
  ])("$provider", ({ model, fake }) => {
    it("refuses every spelling of this machine before connecting, with one message that names no address", async () => {
      const messages = new Set<string>();
      for (const url of spellings(images.port)) {
        const error = await apiError(
          client.chat.completions.create({
            model,
            messages: [{ role: "user", content: [{ type: "text", text: "Describe it." }, { type: "image_url", image_url: { url } }] }],
          }),
        );
        expect(error.status, url).toBe(400);
        expect(error.error, url).toMatchObject({ type: "invalid_request_error", param: "messages" });
        messages.add(error.message);
      }
      expect([...messages]).toEqual(["400 image_url could not be fetched (refused, unreachable, timed out or not allowed)"]);
      expect(images.connections()).toBe(0);
      expect(images.requests).toEqual([]);
      expect(fake().chatRequests).toHaveLength(0);
    });
  });
});
