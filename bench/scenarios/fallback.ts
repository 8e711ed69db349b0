// The added cost of one fallback: the gateway's `bench-fallback` model has a primary that always
// answers 500 and the same second target as `gpt-4o-mini`; compare p50 at concurrency 1.
import { request } from "undici";
import { defaultKnobs } from "../fake-upstream.ts";
import { chatBody, CHAT_PATH, FALLBACK_MODEL, headers, MODEL } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import type { Metrics, Scenario } from "./types.ts";

export const fallback: Scenario = {
  name: "fallback",
  about: "gateway only: p50 with one fallback (primary 500 → second target) minus p50 without",
  appliesTo: (arm) => arm === "gateway",
  async run(ctx): Promise<Metrics> {
    await Promise.all([ctx.fakes.main.setKnobs(defaultKnobs), ctx.fakes.second.setKnobs(defaultKnobs)]);
    const url = ctx.arm.origin + CHAT_PATH;
    const probe = await request(url, { method: "POST", headers, body: chatBody({ model: FALLBACK_MODEL }) });
    await probe.body.dump();
    const fallbacks = probe.headers["x-llm-fallbacks"];
    if (probe.statusCode !== 200 || fallbacks !== "1") {
      ctx.log(`gateway: fallback probe answered ${probe.statusCode} with x-llm-fallbacks=${String(fallbacks)} (expected 200 and 1)`);
    }
    const base = await runLoad({ url, body: chatBody({ model: MODEL }), headers, connections: 1, durationSec: ctx.profile.fallbackSec });
    const failedBefore = (await ctx.fakes.failing.stats()).requests;
    const withFallback = await runLoad({ url, body: chatBody({ model: FALLBACK_MODEL }), headers, connections: 1, durationSec: ctx.profile.fallbackSec });
    const failedAttempts = (await ctx.fakes.failing.stats()).requests - failedBefore;
    if (withFallback.non2xx > 0) ctx.log(`gateway: ${withFallback.non2xx} non-2xx answers on the fallback model`);
    return {
      p50NoFallback: base.p50,
      p50Fallback: withFallback.p50,
      addedP50: withFallback.p50 - base.p50,
      addedP99: withFallback.p99 - base.p99,
      // 100 means every request really tried the failing primary first (no open breaker skipping it)
      primaryTriedPct: withFallback.ok > 0 ? (100 * failedAttempts) / withFallback.ok : Number.NaN,
    };
  },
};
