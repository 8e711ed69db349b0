// Image URLs the gateway must fetch itself (Gemini and Ollama take images inline only), from a
// server that fails in every way a web server can: the client gets a 400 in the OpenAI envelope,
// the model is not called, and the gateway keeps serving once the failed fetch is fully gone.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type OpenAI from "openai";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { PNG, startImageServer, type ImageServer } from "../fakes/image-server.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { apiError } from "../harness/client-calls.ts";
import { eventually, resetAll, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

const UNFETCHABLE = "image_url could not be fetched (refused, unreachable, timed out or not allowed)";
const statusRefused = (status: number) => `fetching image_url returned HTTP ${status} (only 200 is accepted; redirects are not followed)`;
const FAILURES: readonly [path: string, message: string][] = [
  ["/404", statusRefused(404)],
  ["/500", statusRefused(500)],
  ["/redirect", statusRefused(302)],
  ["/oversize", "image is larger than 1024 bytes"],
  ["/oversize-chunked", "image is larger than 1024 bytes"],
  ["/hang", UNFETCHABLE],
  ["/hang-body", UNFETCHABLE],
  ["/reset", UNFETCHABLE],
];

describe("image URLs that fail to load", () => {
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
      // The image server is on loopback; these tests are about failures, not the address policy.
      images: { allow_private_hosts: true, max_bytes: 1024, timeout_ms: 1000 },
    });
    client = gw.client();
  });
  afterAll(() => stopAll(gw, gemini, ollama, images));
  beforeEach(() => {
    resetAll(gemini, ollama, images);
  });

  const ask = (model: string, url: string, signal?: AbortSignal) =>
    client.chat.completions.create(
      {
        model,
        messages: [{ role: "user", content: [{ type: "text", text: "What is in the picture?" }, { type: "image_url", image_url: { url } }] }],
      },
      signal ? { signal } : {},
    );

  /** Until the gateway has closed every connection to the image server, and the ticks after. */
  const imageFetchesSettled = async () => {
    await eventually(() => expect(images.openSockets()).toBe(0));
    // A destroyed body reports its error on a later turn of the event loop.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  describe.each([
    { provider: "Gemini", model: "flash", fake: () => gemini },
    { provider: "Ollama", model: "llama", fake: () => ollama },
  ])("$provider", ({ model, fake }) => {
    it.each(FAILURES)("%s is a 400 for the client and the gateway keeps serving", async (path, message) => {
      const error = await apiError(ask(model, images.url(path)));
      expect(error.status).toBe(400);
      expect(error.error).toEqual({ type: "invalid_request_error", param: "messages", code: null, message });
      expect(images.requests).toEqual([path]);
      expect(fake().chatRequests).toHaveLength(0);

      await imageFetchesSettled();
      fake().script({ reply: { text: "A one-pixel image." } });
      const answer = await ask(model, images.url("/ok.png"));
      expect(answer.choices[0]?.message.content).toBe("A one-pixel image.");
      expect(JSON.stringify(fake().lastChat.body)).toContain(PNG.toString("base64"));
    });
  });

  it.each(["/hang", "/hang-body"])("lets go of the image fetch (%s) when the client leaves, and keeps serving", async (path) => {
    for (const [model, fake] of [["flash", gemini], ["llama", ollama]] as const) {
      images.reset();
      const controller = new AbortController();
      const pending = ask(model, images.url(path), controller.signal).catch((error: unknown) => error);
      await eventually(() => expect(images.requests).toEqual([path]));
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      await imageFetchesSettled();
      expect(fake.chatRequests).toHaveLength(0);
      fake.script({ reply: { text: "Next one." } });
      expect((await ask(model, images.url("/ok.png"))).choices[0]?.message.content).toBe("Next one.");
    }
  });

  it("answers a closed port, a timeout and a reset before headers alike, naming no address", async () => {
    const closed = await startImageServer();
    const closedUrl = closed.url("/ok.png");
    await closed.close();
    const urls = [closedUrl, images.url("/hang"), images.url("/reset-early")];
    const answers = await Promise.all(urls.map(async (url) => (await apiError(ask("llama", url))).message));
    expect(answers).toEqual(Array(urls.length).fill(`400 ${UNFETCHABLE}`));
  });

  it("does not count failed image fetches against the provider's breaker", async () => {
    for (let i = 0; i < 12; i++) {
      expect((await apiError(ask("flash", images.url("/404")))).status).toBe(400);
    }
    await imageFetchesSettled();
    gemini.script({ reply: { text: "Still here." } });
    expect((await ask("flash", images.url("/ok.png"))).choices[0]?.message.content).toBe("Still here.");
  });
});
