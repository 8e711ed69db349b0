// What the per-request steps around the upstream call cost, in process, with bench/gateway.yaml
// (a key with rpm/tpm/max_concurrent on the memory store, the card-number detector, the rules,
// the fallback chain, prices, metrics): the route step, admission and its settlement, and the
// telemetry when the request is over (the reply record, the metrics, the access line).
//
//   node --expose-gc --max-semi-space-size=256 bench/admission-cost.ts [--root <checkout>]
//
// `--root` loads another checkout's src/ (the same script against two builds). Prints CPU time
// per request (best of several rounds) and bytes allocated per request (heap growth over a run
// too short for a scavenge, with a 256 MiB young generation). Nothing is asserted.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerResponse } from "node:http";
import type { ChatRequest } from "../src/providers/types.ts";
import type { RouteDecision } from "../src/routing/router.ts";
import type { Runtime } from "../src/runtime.ts";
import type { RequestRecord } from "../src/telemetry/request-record.ts";
import { parseFlags, stringFlag } from "./cli/flags.ts";

const flags = parseFlags(process.argv.slice(2));
const root = resolve(stringFlag(flags, "root", join(import.meta.dirname, "..")));
const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(root, "src", path)).href) as Promise<T>;

const { loadConfigFile } = await load<typeof import("../src/config/load.ts")>("config/load.ts");
const { createRouter } = await load<typeof import("../src/routing/router.ts")>("routing/router.ts");
const { limiterFromConfig } = await load<typeof import("../src/limits/from-config.ts")>("limits/from-config.ts");
const { admit } = await load<typeof import("../src/pipeline/admit.ts")>("pipeline/admit.ts");
const { route } = await load<typeof import("../src/pipeline/route.ts")>("pipeline/route.ts");
const { recordReply } = await load<typeof import("../src/pipeline/record.ts")>("pipeline/record.ts");
const { chatOperation } = await load<typeof import("../src/pipeline/operations/chat.ts")>("pipeline/operations/chat.ts");
const { createGatewayMetrics } = await load<typeof import("../src/telemetry/metrics.ts")>("telemetry/metrics.ts");
const { finishRequest } = await load<typeof import("../src/telemetry/request-facts.ts")>("telemetry/request-facts.ts");
const { accessLineOf } = await load<typeof import("../src/telemetry/access-line.ts")>("telemetry/access-line.ts");

const config = await loadConfigFile(join(root, "bench", "gateway.yaml"), {});
const router = createRouter(config);
const limiter = limiterFromConfig(config.raw);
const metrics = createGatewayMetrics();
const key = [...(config.keys?.values() ?? [])].find((k) => k.name === "bench");
// The route step reads the router and the breakers of the runtime, and the record and headers of the request.
const runtime = { router, breakers: { allows: () => true } } as unknown as Runtime;
const body: ChatRequest = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a terse assistant." },
    { role: "user", content: "Say hello in five words." },
  ],
  max_tokens: 64,
};
const headers = { "content-type": "application/json", authorization: "Bearer bench-key-0123456789" };
const usage = { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 };

interface Step {
  record: RequestRecord;
  replyHeaders: Record<string, string>;
  decision: RouteDecision | undefined;
}

const fresh = (): Step => ({ record: { keyName: "bench", api: "chat", startedAt: 0, model: "gpt-4o-mini", stream: false }, replyHeaders: {}, decision: undefined });
const decided = (s: Step): RouteDecision => {
  if (s.decision === undefined) throw new Error("routed first");
  return s.decision;
};

function routeStep(s: Step): void {
  const inbound = { runtime, requestId: "r", record: s.record, key, headers, replyHeaders: s.replyHeaders, res: undefined as unknown as ServerResponse };
  s.decision = route({ req: body }, "chat", inbound);
}

async function admitStep(s: Step): Promise<void> {
  const admission = await admit(limiter, {
    operation: chatOperation,
    req: body,
    keyName: "bench",
    model: decided(s).model,
    upstreamModel: decided(s).plan[0]?.model ?? "",
    defaultMaxTokens: 4096,
    replyHeaders: s.replyHeaders,
  });
  await admission.settle(usage, true);
}

let logged = 0;

function telemetryStep(s: Step): void {
  const r = s.record;
  r.provider = "primary";
  r.upstreamModel = "gpt-4o-mini";
  r.fallbacks = 0;
  r.upstreamWaitMs = 0.4;
  r.status = 200;
  recordReply(r, { usage, firstByteAt: undefined, streamError: undefined, clientGone: false }, { writeStartedAt: 1, writeEndedAt: 1.1, servingAttemptMs: 0.4 }, decided(s).model.price);
  const done = finishRequest(r, { responseStatus: 200, durationMs: 0.9 });
  metrics.requestStarted();
  metrics.requestDone(done);
  // As the logger's destination takes it: the line around the members, measured in bytes (which flattens it).
  logged += Buffer.byteLength(`{"level":"info","time":"2026-12-02T08:00:00.000Z","service":"llm-gateway",${JSON.stringify(accessLineOf({ requestId: "0123456789abcdef", method: "POST", path: "/v1/chat/completions", session: undefined }, r, done)).slice(1, -1)},"msg":"request"}\n`);
}

const gc = (globalThis as { gc?: () => void }).gc;
const RUNS = 20_000;
const ROUNDS = 9;

async function measure(label: string, prepare: (s: Step) => Promise<void> | void, step: (s: Step) => Promise<void> | void): Promise<void> {
  const steps = Array.from({ length: RUNS }, fresh);
  const prepareAll = async () => {
    for (const s of steps) {
      s.record = fresh().record;
      s.replyHeaders = {};
      await prepare(s);
    }
  };
  let best = Infinity;
  let bytes = Infinity;
  for (let round = 0; round < ROUNDS; round += 1) {
    await prepareAll();
    gc?.();
    const heap = process.memoryUsage().heapUsed;
    const started = process.cpuUsage();
    for (const s of steps) await step(s);
    const used = process.cpuUsage(started);
    bytes = Math.min(bytes, (process.memoryUsage().heapUsed - heap) / RUNS);
    best = Math.min(best, (used.user + used.system) / RUNS);
  }
  const alloc = gc === undefined ? "(run with --expose-gc for bytes)" : `${bytes.toFixed(0).padStart(6)} bytes/request`;
  console.log(`${label.padEnd(24)} ${best.toFixed(2).padStart(7)} µs CPU/request  ${alloc}`);
}

console.log(`src: ${root}`);
const nothing = (): void => undefined;
await measure("route", nothing, routeStep);
await measure("admit + settle", routeStep, admitStep);
await measure("reply record + telemetry", routeStep, telemetryStep);
await limiter.close();
if (logged === 0) throw new Error("no access line was measured");
