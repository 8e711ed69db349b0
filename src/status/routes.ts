// GET /status (the page) and GET /status.json (what it renders, also for scripts). Served
// where /metrics is (the API port, or the metrics port when it has its own) and behind the
// same token. The page is a static file read once at start; it fetches the JSON itself.
import { readFileSync } from "node:fs";
import type { Handler } from "hono";
import type { ReloadLog } from "../config/reload-log.ts";
import type { GatewayEnv } from "../http/context.ts";
import type { ProviderReports } from "../http/provider-reports.ts";
import type { MetricsAnswer } from "../http/routes/metrics.ts";
import type { RuntimeSource } from "../runtime.ts";
import type { GatewayMetrics } from "../telemetry/metrics.ts";
import { statusGuard } from "./access.ts";
import { buildStatus, type KeyReading } from "./build.ts";
import { createMetricWindow } from "./metric-window.ts";

export interface StatusDeps {
  readonly source: RuntimeSource;
  readonly metrics: GatewayMetrics;
  readonly reports: ProviderReports;
  readonly reloads: ReloadLog;
  readonly startedAt: number;
  /** server.metrics.token; undefined leaves the page open, as /metrics is. */
  readonly token: string | undefined;
}

export type StatusAnswer = (authorization: string | undefined) => Promise<MetricsAnswer>;

export interface StatusAnswers {
  readonly page: StatusAnswer;
  readonly json: StatusAnswer;
}

const PAGE = new URL("./page.html", import.meta.url);
const UNAUTHORIZED_TEXT = "unauthorized: send Authorization: Bearer <server.metrics.token>, or give it as the password when the browser asks\n";
// The page loads nothing from anywhere: the browser enforces it.
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export function statusAnswers(deps: StatusDeps): StatusAnswers {
  const page = readFileSync(PAGE, "utf8");
  const authorized = statusGuard(deps.token);
  const window = createMetricWindow(deps.startedAt);
  const denied = (challenge: string): MetricsAnswer => ({
    status: 401,
    headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": challenge },
    body: UNAUTHORIZED_TEXT,
  });

  async function document(): Promise<string> {
    const runtime = deps.source.current;
    const now = Date.now();
    const current = { at: now, snapshot: await deps.metrics.snapshot() };
    const [providers, keys] = await Promise.all([deps.reports(deps.token !== undefined), keyReadings(deps.source)]);
    const status = buildStatus({
      now,
      startedAt: deps.startedAt,
      config: runtime.config,
      reloads: deps.reloads,
      providers,
      keys,
      metrics: { current, baseline: window.advance(current) },
      redact: runtime.redact,
    });
    return JSON.stringify(status);
  }

  return {
    page(authorization) {
      if (!authorized(authorization)) return Promise.resolve(denied('Basic realm="llm-gateway status", charset="UTF-8"'));
      return Promise.resolve({ status: 200, headers: PAGE_HEADERS, body: page });
    },
    async json(authorization) {
      if (!authorized(authorization)) return denied('Bearer realm="metrics"');
      return { status: 200, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: await document() };
    },
  };
}

/**
 * Each configured key by name with its standing against its limits and budget, read from the
 * store without taking anything (a budget is read with a claim of cost 0). A key the store
 * cannot answer for is "unavailable"; the rest of the page is served all the same.
 */
async function keyReadings(source: RuntimeSource): Promise<KeyReading[]> {
  const { config, limiter } = source.current;
  const budgets = new Map((config.raw.keys ?? []).map((k) => [k.name, k.budget]));
  const names = [...new Set([...(config.keys?.values() ?? [])].map((k) => k.name))];
  return Promise.all(
    names.map(
      async (name): Promise<KeyReading> => ({
        name,
        budget: budgets.get(name),
        standing: await limiter.standing(name).catch(() => "unavailable" as const),
      }),
    ),
  );
}

export function statusRoute(answer: StatusAnswer): Handler<GatewayEnv> {
  return async function statusHandler(c) {
    const { status, headers, body } = await answer(c.req.header("authorization"));
    return c.body(body, status as 200, headers);
  };
}
