// Configured secrets never leave the process: an upstream that echoes the credential it was sent
// in its error text leaks it neither to the client, nor to the log, nor to /health/providers; a
// provider that cannot be reached is named with the kind of failure, not with its address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUpstream, RecordedRequest } from "../fakes/fake-upstream.ts";
import { apiError } from "../harness/client-calls.ts";
import { eventually, requestLines, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";
import { freePort } from "../harness/redis-server.ts";
import { providerCases } from "./provider-cases.ts";

const METRICS_TOKEN = "scrape-token-0123456789";
const REDACTED = "[redacted]";

/** What a careless upstream does: quotes every header it received back in its error. */
const echoHeaders = (req: RecordedRequest) => `credentials rejected; request headers were ${JSON.stringify(req.headers)}`;

interface ProvidersHealth {
  providers: {
    id: string;
    last_error: { kind: string; status: number; message?: string } | null;
    check?: { ok: boolean; error?: string; message?: string };
  }[];
}

async function providersHealth(gw: TestGateway, token?: string): Promise<{ text: string; body: ProvidersHealth }> {
  const res = await fetch(`${gw.url}/health/providers`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await res.text();
  return { text, body: JSON.parse(text) as ProvidersHealth };
}

describe.each(providerCases)("an upstream echoing its credential ($name)", (pc) => {
  const secret = `${pc.name}-upstream-secret-0123456789`;
  let fake: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    fake = await pc.startFake();
    const settings = pc.provider(fake);
    // Ollama takes no API key: its secret travels in a configured header, as behind an auth proxy.
    const withSecret = "api_key" in settings ? { ...settings, api_key: "${UPSTREAM_SECRET}" } : { ...settings, headers: { authorization: "Bearer ${UPSTREAM_SECRET}" } };
    gw = await startTestGateway(
      {
        server: { host: "127.0.0.1", port: 0, metrics: { token: METRICS_TOKEN } },
        providers: { up: withSecret },
        models: { m: { targets: [{ provider: "up", model: pc.upstreamModel }] } },
        resilience: { retries: 0 },
      },
      { UPSTREAM_SECRET: secret },
    );
  });
  afterAll(() => stopAll(gw, fake));

  it("is redacted from the client's error, the log and /health/providers", async () => {
    fake.script({ status: 400, message: echoHeaders }, { status: 500, message: echoHeaders });
    const client = gw.client();
    const rejected = await apiError(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }));
    const failed = await apiError(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }));

    // The upstream really was sent the secret, and really echoed it.
    expect(JSON.stringify(fake.chatRequests.map((r) => r.headers))).toContain(secret);
    // A 4xx about the request keeps the upstream's words (clients need them), minus the secret.
    expect(rejected.status).toBe(400);
    expect(rejected.message).toContain("credentials rejected");
    expect(rejected.message).toContain(REDACTED);
    expect(rejected.message).not.toContain(secret);
    expect(failed.status).toBe(502);
    expect(failed.message).toContain(REDACTED);
    expect(failed.message).not.toContain(secret);

    await eventually(() => expect(requestLines(gw)).toHaveLength(2));
    const [first, second] = requestLines(gw);
    expect(first?.["error"]).toContain(REDACTED);
    expect(second?.["error"]).toContain(REDACTED);
    expect(JSON.stringify(gw.logs)).not.toContain(secret);

    // Without the metrics token: the kind of error only, no upstream text at all.
    const anonymous = await providersHealth(gw);
    expect(anonymous.body.providers[0]?.last_error).toMatchObject({ kind: "http_5xx", status: 500 });
    expect(anonymous.body.providers[0]?.last_error).not.toHaveProperty("message");
    expect(anonymous.text).not.toContain("credentials rejected");
    // With it: the text, redacted.
    const operator = await providersHealth(gw, METRICS_TOKEN);
    expect(operator.body.providers[0]?.last_error?.message).toContain(REDACTED);
    expect(operator.text).not.toContain(secret);
    expect(JSON.stringify(gw.logs)).not.toContain(secret);
  });
});

describe("a provider that refuses connections", () => {
  let gw: TestGateway;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    gw = await startTestGateway({
      server: { host: "127.0.0.1", port: 0, metrics: { token: METRICS_TOKEN } },
      providers: { down: { type: "openai", api_key: "sk-down-0123456789", base_url: `http://127.0.0.1:${port}/v1` } },
      models: { m: { targets: [{ provider: "down", model: "gpt-4o-mini" }] } },
      resilience: { retries: 0 },
    });
  });
  afterAll(() => gw.stop());

  it("is named to the client with the kind of failure, not with its address", async () => {
    const err = await apiError(gw.client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }));
    expect(err.status).toBe(502);
    expect(err.message).toContain("down: connection failed (ECONNREFUSED)");
    expect(err.message).not.toContain("127.0.0.1");
    expect(err.message).not.toContain(String(port));

    const anonymous = await providersHealth(gw);
    const down = anonymous.body.providers.find((p) => p.id === "down");
    expect(down?.last_error).toMatchObject({ kind: "connection", status: 502 });
    expect(down?.check).toMatchObject({ ok: false, error: "connection" });
    expect(down?.check).not.toHaveProperty("message");
    expect(anonymous.text).not.toContain(String(port));
  });
});
