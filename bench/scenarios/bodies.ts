// Latency at concurrency 1 for large prompts: what parsing, validating and forwarding a big body
// costs on top of the small-request path.
import { defaultKnobs } from "../fake-upstream.ts";
import { chatBody, CHAT_PATH, contentOfTokens, headers } from "../harness/requests.ts";
import { runLoad } from "../load/autocannon-run.ts";
import type { Metrics, Scenario } from "./types.ts";

export const BODY_TOKENS = [1_000, 10_000, 100_000] as const;

export const bodies: Scenario = {
  name: "bodies",
  about: "p50 latency at concurrency 1 with 1k, 10k and 100k-token prompts",
  appliesTo: () => true,
  async run(ctx): Promise<Metrics> {
    await ctx.fakes.main.setKnobs(defaultKnobs);
    const out: Metrics = {};
    for (const tokens of BODY_TOKENS) {
      const r = await runLoad({
        url: ctx.arm.origin + CHAT_PATH,
        body: chatBody({ content: contentOfTokens(tokens) }),
        headers,
        connections: 1,
        durationSec: ctx.profile.bodySec,
      });
      if (r.non2xx > 0 || r.errors > 0) ctx.log(`${ctx.arm.spec.name}: ${tokens}-token bodies: ${r.non2xx} non-2xx, ${r.errors} errors`);
      out[`p50_${tokens / 1000}k`] = r.ok > 0 ? r.p50 : Number.NaN;
    }
    return out;
  },
};
