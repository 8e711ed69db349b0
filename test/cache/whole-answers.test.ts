// An answer that arrived whole as JSON text is kept unread when only this process holds it and
// checked at its first hit: a 2xx body that is no chat completion (or no JSON at all) must
// still never answer a later request, nor the identical requests waiting on it.
import { describe, expect, it } from "vitest";
import { createResponseCache } from "../../src/cache/response-cache.ts";
import { configFromObject } from "../../src/config/load.ts";
import type { CacheTicket } from "../../src/pipeline/cache-seam.ts";
import { chatOperation } from "../../src/pipeline/operations/chat.ts";
import type { ChatRequest, ChatResult } from "../../src/providers/types.ts";
import { createRouter } from "../../src/routing/router.ts";

const config = configFromObject(
  {
    server: { host: "127.0.0.1", port: 0 },
    providers: { up: { type: "openai", base_url: "http://127.0.0.1:9/v1" } },
    models: { fast: { targets: [{ provider: "up", model: "gpt-4o-mini" }], cache: true } },
  },
  "test",
  {},
);
const router = createRouter(config);
const served = { fallbacks: 0, warnings: [] };

function setup() {
  const cache = createResponseCache(config.raw.cache, { events: { hit: () => undefined, miss: () => undefined }, onStoreError: () => undefined });
  const open = async (req: ChatRequest): Promise<CacheTicket<ChatRequest, ChatResult>> => {
    const decision = router.decide({ req, key: undefined, headers: {} });
    const ticket = await cache.open(chatOperation, { req, api: "chat", decision, keyName: "k", headers: {}, signal: new AbortController().signal, adapters: new Map() });
    if (!ticket) throw new Error("the model caches");
    return ticket;
  };
  return { cache, open };
}

const whole = (text: string): ChatResult => ({ kind: "passthrough", status: 200, headers: {}, body: [Buffer.from(text)], usage: Promise.resolve(undefined) });
const completion = JSON.stringify({
  id: "chatcmpl-up",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
});

describe("answers kept whole", () => {
  it.each([
    ["a JSON body that is no completion", '{"object":"list","data":[]}'],
    ["a body that is no JSON", '{"id":"chatcmpl-x","object":"chat.comp'],
  ])("never serves %s", async (_, text) => {
    const { open } = setup();
    const req: ChatRequest = { model: "fast", messages: [{ role: "user", content: text }] };
    const first = await open(req);
    expect(first.status).toBe("miss");
    first.store(whole(text), served);
    const second = await open(req);
    expect(second.status).toBe("miss");
    expect(second.hit).toBeUndefined();
    second.abandon();
  });

  it("serves a completion kept whole, with a fresh id and the stored fields", async () => {
    const { open } = setup();
    const req: ChatRequest = { model: "fast", messages: [{ role: "user", content: "kept" }] };
    (await open(req)).store(whole(completion), served);
    const hit = (await open(req)).hit?.result;
    if (hit?.kind !== "passthrough" || !Array.isArray(hit.body)) throw new Error("a ready JSON body");
    const body = JSON.parse(Buffer.concat(hit.body as Uint8Array[]).toString("utf8")) as Record<string, unknown>;
    expect(body["id"]).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect({ ...body, id: "chatcmpl-up" }).toEqual(JSON.parse(completion));
  });

  it("sends the requests waiting on an answer that is no completion upstream on their own", async () => {
    const { open } = setup();
    const req: ChatRequest = { model: "fast", messages: [{ role: "user", content: "waiting" }] };
    const leader = await open(req);
    const follower = open(req);
    leader.store(whole('{"object":"list"}'), served);
    const ticket = await follower;
    expect(ticket.status).toBe("miss");
    expect(ticket.hit).toBeUndefined();
  });
});
