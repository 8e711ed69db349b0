// undici cancels a fetch body whose Response object was garbage collected before the body was
// read. The SDK-based adapters must keep their streams alive between the upstream's answer and
// the first read, whatever the garbage collector does in between.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicAdapter } from "../../src/providers/anthropic/index.ts";
import { createOllamaAdapter } from "../../src/providers/ollama/index.ts";
import type { ProviderAdapter } from "../../src/providers/types.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOllamaFake } from "../fakes/ollama.ts";
import { callOptionsWith, collect, requestWith } from "../harness/adapter-calls.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const pause = () => new Promise((resolve) => setTimeout(resolve, 10));

const cases: { name: string; start: () => Promise<FakeUpstream>; adapter: (fake: FakeUpstream) => ProviderAdapter }[] = [
  { name: "ollama", start: startOllamaFake, adapter: (fake) => createOllamaAdapter("local", { type: "ollama", base_url: fake.origin, headers: {} }) },
  {
    name: "anthropic",
    start: startAnthropicFake,
    adapter: (fake) => createAnthropicAdapter("claude", { type: "anthropic", api_key: "k", base_url: fake.origin, default_max_tokens: 256, headers: {} }),
  },
];

describe.each(cases)("$name streams", ({ start, adapter: make }) => {
  let fake: FakeUpstream;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await start();
    adapter = make(fake);
  });
  afterAll(async () => {
    await adapter.close();
    await fake.close();
  });

  it("survive a garbage collection between the answer and the first read", async () => {
    const call = callOptionsWith({ requestId: "req-gc", publicModel: "m" });
    const ask = requestWith("m", "hello");
    for (let i = 0; i < 5; i++) {
      fake.script({ reply: { text: "still here" } });
      const result = await adapter.chat(ask({ stream: true }), "model", call());
      await pause();
      gc();
      await pause();
      const chunks = await collect(result);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("still here");
    }
  });
});
