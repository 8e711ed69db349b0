// The status page in a real browser (Debian's chromium, driven by playwright-core): what an
// operator sees. A provider's breaker opening after scripted failures shows as open at the
// next refresh, a key's usage moves after traffic, the console stays clean, and the page asks
// nothing of any host but the gateway. Saves a screenshot and prints where.
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { openaiProviders, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const TOKEN = "status-page-token-0123456789";
const KEY = "sk-team-a-0123456789";
const SCREENSHOT = new URL("../../test-results/status.png", import.meta.url);
const PHONE_SCREENSHOT = new URL("../../test-results/status-phone-dark.png", import.meta.url);
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`status page browser test skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!haveChromium)("the status page in Chromium", () => {
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const requested: string[] = [];

  /** Waits for the page's next refresh to land on screen, and returns what it rendered. */
  async function nextRefresh(): Promise<void> {
    const response = await page.waitForResponse((r) => new URL(r.url()).pathname === "/status.json", { timeout: 15_000 });
    const { generated_at: generatedAt } = (await response.json()) as { generated_at: string };
    await page.waitForFunction(`document.body.dataset.generatedAt === ${JSON.stringify(generatedAt)}`, undefined, { timeout: 15_000 });
  }
  const breakerOf = (provider: string) => page.locator(`[data-provider="${provider}"] [data-breaker]`).textContent();
  const requestsUsed = async () => Number(await page.locator('[data-key="team-a"] [data-requests] [data-used]').textContent());

  beforeAll(async () => {
    primary = await startOpenAIFake();
    backup = await startOpenAIFake();
    gw = await startTestGateway({
      server: { host: "127.0.0.1", port: 0, metrics: { token: TOKEN } },
      providers: openaiProviders({ primary, backup }),
      models: {
        fast: { targets: [{ provider: "primary", model: "m1" }, { provider: "backup", model: "m1" }] },
        embed: { targets: [{ provider: "backup", model: "e1" }] },
      },
      keys: [
        { name: "team-a", key: KEY, rpm: 12, tpm: 50_000, max_concurrent: 8 },
        { name: "batch", key: "sk-batch-0123456789", rpm: 600 },
      ],
      resilience: { retries: 0, breaker: { error_threshold_percentage: 50, volume_threshold: 3, reset_timeout_ms: 600_000 } },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    // The browser asks for credentials on the 401 and sends them with the page's own fetches.
    const context = await browser.newContext({ httpCredentials: { username: "ops", password: TOKEN }, viewport: { width: 1100, height: 820 } });
    page = await context.newPage();
    await page.route("**/*", async (route) => {
      const url = route.request().url();
      requested.push(url);
      if (new URL(url).hostname === "127.0.0.1") await route.continue();
      else await route.abort("blockedbyclient");
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await stopAll(gw, primary, backup);
  });

  it("shows every provider serving, then a breaker open at the next refresh after scripted failures", async () => {
    await page.goto(`${gw.url}/status`);
    await nextRefresh();
    expect(await breakerOf("primary")).toBe("closed");
    expect(await breakerOf("backup")).toBe("closed");
    expect(await page.locator("#overall").textContent()).toBe("all providers serving");

    // The primary fails every call; the backup serves them, and the primary's breaker opens.
    primary.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const client = gw.client(KEY);
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(gw.running.state.current.breakers.health("primary")?.state).toBe("open");

    await nextRefresh();
    expect(await breakerOf("primary")).toBe("open");
    expect(await breakerOf("backup")).toBe("closed");
    expect(await page.locator("#overall").textContent()).toBe("1 breaker open");
    expect(await page.locator('[data-provider="primary"]').textContent()).toContain("http_5xx");
  });

  it("moves a key's usage this minute after traffic", async () => {
    await nextRefresh();
    const before = await requestsUsed();
    const client = gw.client(KEY);
    for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    await nextRefresh();
    // 12 rpm drains one request every 5 s, far slower than five requests arrive.
    expect(await requestsUsed()).toBeGreaterThan(before);
    expect(await page.locator('[data-model="fast"]').textContent()).toContain("fast");
  });

  it("keeps the console clean, asks nothing of other hosts, shows no key, and leaves a screenshot", async () => {
    await nextRefresh();
    expect(consoleErrors).toEqual([]);
    expect(requested.length).toBeGreaterThan(2);
    expect(requested.filter((url) => new URL(url).hostname !== "127.0.0.1")).toEqual([]);
    expect(await page.content()).not.toContain(KEY);
    mkdirSync(new URL(".", SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    console.log(`status page screenshot: ${SCREENSHOT.pathname}`);
    if (process.env["STATUS_SCREENSHOT"]) await page.screenshot({ path: process.env["STATUS_SCREENSHOT"], fullPage: true });
  });

  it("fits a phone's width in the dark colour scheme", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 390, height: 844 });
    await nextRefresh();
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    expect(await page.evaluate("getComputedStyle(document.body).backgroundColor")).toBe("rgb(15, 18, 22)");
    await page.screenshot({ path: PHONE_SCREENSHOT.pathname, fullPage: true });
    console.log(`status page phone screenshot: ${PHONE_SCREENSHOT.pathname}`);
    expect(consoleErrors).toEqual([]);
  });
});
