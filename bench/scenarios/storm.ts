// A storm of client disconnects: open N long streams, abort them all at once, then check that the
// upstream fake stops streaming (no orphaned generations) and how fast, its sockets return to
// the baseline,
// the gateway's in-flight gauge returns to zero, and the arm's RSS settles.
import { request } from "undici";
import { defaultKnobs } from "../fake-upstream.ts";
import { chatBody, CHAT_PATH, headers } from "../harness/requests.ts";
import { openStream } from "../load/stream-client.ts";
import { rssMiB } from "../process/rss.ts";
import type { Metrics, Scenario, ScenarioContext } from "./types.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SETTLE_LIMIT_MS = 5_000;

/** Sum of the gateway's in-flight gauge from /metrics; NaN when it has none. */
async function gatewayInflight(origin: string): Promise<number> {
  try {
    const res = await request(origin + "/metrics");
    const text = await res.body.text();
    if (res.statusCode !== 200) return Number.NaN;
    let sum = 0;
    let seen = false;
    for (const line of text.split("\n")) {
      if (!line.startsWith("llm_gateway_inflight_requests")) continue;
      const value = Number(line.slice(line.lastIndexOf(" ") + 1));
      if (Number.isFinite(value)) {
        sum += value;
        seen = true;
      }
    }
    return seen ? sum : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function storm(ctx: ScenarioContext): Promise<Metrics> {
  const n = ctx.profile.stormStreams;
  await ctx.fakes.main.setKnobs({ ...defaultKnobs, ttfbMs: 0, chunks: 100_000, intervalMs: 50 });
  await sleep(200);
  const baseline = await ctx.fakes.main.stats();
  const pid = ctx.arm.proc?.pid;
  const rssBefore = pid !== undefined ? rssMiB(pid) : Number.NaN;

  const target = { url: ctx.arm.origin + CHAT_PATH, body: chatBody({ stream: true }), headers, dispatcher: ctx.agent };
  const open = [];
  for (let i = 0; i < n; i++) {
    open.push(openStream(target));
    if (i % 50 === 49) await sleep(25);
  }
  await Promise.race([Promise.all(open.map((s) => s.firstFrame)), sleep(10_000)]);
  const during = await ctx.fakes.main.stats();
  const rssOpen = pid !== undefined ? rssMiB(pid) : Number.NaN;

  for (const s of open) s.abort();
  const aborted = performance.now();
  await Promise.all(open.map((s) => s.done));

  let after = await ctx.fakes.main.stats();
  while (after.inflight > baseline.inflight && performance.now() - aborted < SETTLE_LIMIT_MS) {
    await sleep(10);
    after = await ctx.fakes.main.stats();
  }
  const settleMs = after.inflight <= baseline.inflight ? performance.now() - aborted : Number.NaN;
  await sleep(ctx.profile.settleMs);
  const rssAfter = pid !== undefined ? rssMiB(pid) : Number.NaN;
  // idle keep-alive sockets may expire meanwhile (fewer is fine); more would be leaked connections
  const sockets = (await ctx.fakes.main.stats()).sockets;
  const armInflight = ctx.arm.spec.name === "gateway" ? await gatewayInflight(ctx.arm.origin) : Number.NaN;
  await ctx.fakes.main.setKnobs(defaultKnobs);
  return {
    opened: during.inflight - baseline.inflight,
    leakedUpstream: Math.max(0, after.inflight - baseline.inflight),
    extraSockets: Math.max(0, sockets - baseline.sockets),
    settleMs,
    armInflight,
    rssBefore,
    rssOpen,
    rssAfter,
  };
}

export const disconnectStorm: Scenario = {
  name: "storm",
  about: "open N streams, abort all: leaked upstream streams/sockets, settle time, RSS",
  appliesTo: () => true,
  run: storm,
};
