// The status page in a real browser (Debian's chromium, driven by playwright-core): what an
// operator sees. A provider's breaker opening after scripted failures shows as open at the
// next refresh, a key's usage and budget move after traffic, a cached model's hit ratio shows
// next to its cache setting, a limit store that does not answer reads "unavailable" without
// breaking the page, the console stays clean, and the page asks nothing of any host but the
// gateway. Saves screenshots and prints where (STATUS_SCREENSHOT=docs/status.png refreshes the
// README's).
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { openaiProviders, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const TOKEN = "status-page-token-0123456789";
const KEY = "sk-team-a-0123456789";
const PRICE = { input_per_mtok: 3, output_per_mtok: 15 };
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
  const budgetText = (what: "spent" | "remaining") => page.locator(`[data-key="team-a"] [data-budget] [data-${what}]`).textContent();
  /** Waits refresh after refresh until `read` shows `expected` (settlement lands just after a response). */
  async function untilShown(read: () => Promise<string | null>, expected: string): Promise<void> {
    for (let i = 0; i < 5 && (await read()) !== expected; i++) await nextRefresh();
    expect(await read()).toBe(expected);
  }

  beforeAll(async () => {
    primary = await startOpenAIFake();
    backup = await startOpenAIFake();
    gw = await startTestGateway({
      server: { host: "127.0.0.1", port: 0, metrics: { token: TOKEN } },
      providers: openaiProviders({ primary, backup }),
      // $3 and $15 per million tokens: 1000 prompt and 500 completion tokens cost $0.0105.
      models: {
        fast: { targets: [{ provider: "primary", model: "m1" }, { provider: "backup", model: "m1" }], price: PRICE },
        remembered: { targets: [{ provider: "backup", model: "m1" }], price: PRICE, cache: true },
        embed: { kind: "embeddings", targets: [{ provider: "backup", model: "e1" }], price: PRICE },
      },
      keys: [
        { name: "team-a", key: KEY, rpm: 12, tpm: 50_000, max_concurrent: 8, budget: { usd: 1, period: "day" } },
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

  it("moves a key's usage this minute and its budget after traffic", async () => {
    await nextRefresh();
    const before = await requestsUsed();
    // The fake's default usage (11 prompt, 7 completion tokens) on the four answers so far: 138 µ$ each.
    expect(await budgetText("spent")).toBe("$0.000552");
    expect(await page.locator('[data-key="team-a"] [data-budget]').textContent()).toContain("today (UTC)");
    const client = gw.client(KEY);
    backup.script(...Array.from({ length: 5 }, () => ({ reply: { text: "ok", usage: { prompt: 1000, completion: 500 } } })));
    for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    await nextRefresh();
    // 12 rpm drains one request every 5 s, far slower than five requests arrive.
    expect(await requestsUsed()).toBeGreaterThan(before);
    expect(await page.locator('[data-model="fast"]').textContent()).toContain("fast");
    // Five more answers at $0.0105 each, charged from the upstream's usage: $0.053052 in all,
    // shown to four decimals with the exact figure on hover.
    await untilShown(() => budgetText("spent"), "$0.0531");
    expect(await page.locator('[data-key="team-a"] [data-spent]').getAttribute("title")).toBe("$0.053052");
    expect(await budgetText("remaining")).toBe("$0.9469");
  });

  it("shows a cached model's hit ratio next to its cache setting", async () => {
    await nextRefresh();
    expect(await page.locator('[data-model-config="remembered"] [data-cache-ratio]').textContent()).toMatch(/^no lookups/);
    // The same question three times: one miss, then two hits.
    const client = gw.client("sk-batch-0123456789");
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: "remembered", messages: [{ role: "user", content: "same" }] });
    await nextRefresh();
    expect(await page.locator('[data-model-config="remembered"] [data-cache-ratio]').textContent()).toBe("66.7% hits");
    expect(await page.locator('[data-model-config="remembered"]').textContent()).toContain("cache");
    expect(await page.locator('[data-model-config="fast"] [data-cache-ratio]').count()).toBe(0);
  });

  it("reads \"unavailable\" for a key whose limit store does not answer, and keeps rendering the rest", async () => {
    // The document /status.json gives when the store is down (see status-budgets.test.ts): the
    // configured budget without spend, the key marked unavailable.
    await page.route("**/status.json", async (route) => {
      // Playwright's own fetch does not answer the sign-in challenge: it sends the token itself.
      const response = await route.fetch({ headers: { ...route.request().headers(), authorization: `Bearer ${TOKEN}` } });
      const doc = (await response.json()) as { keys: { name: string; budget?: { usd: number; period: string } }[] };
      doc.keys = doc.keys.map((k) => ({ name: k.name, ...(k.budget ? { budget: { usd: k.budget.usd, period: k.budget.period } } : {}), store_unavailable: true }));
      await route.fulfill({ response, json: doc });
    });
    try {
      await nextRefresh();
      expect(await budgetText("spent")).toBe("unavailable");
      expect(await page.locator('[data-key="team-a"] [data-store]').textContent()).toBe("limit store unavailable");
      expect(await page.locator('[data-key="batch"] [data-store]').textContent()).toBe("limit store unavailable");
      expect(await breakerOf("backup")).toBe("closed");
      expect(await page.evaluate("document.body.classList.contains('stale')")).toBe(false);
    } finally {
      await page.unroute("**/status.json");
    }
    await nextRefresh();
    expect(await budgetText("spent")).toBe("$0.0531");
    expect(consoleErrors).toEqual([]);
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
