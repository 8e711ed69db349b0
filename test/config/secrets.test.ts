// Which configured values count as secrets, for the redaction of everything that leaves the process.
import { describe, expect, it } from "vitest";
import { configFromObject } from "../../src/config/load.ts";
import { configSecrets } from "../../src/config/secrets.ts";

describe("configSecrets", () => {
  it("lists provider keys and header values, URL passwords, gateway keys and the metrics token", () => {
    const config = configFromObject(
      {
        server: { metrics: { token: "scrape-token-1" } },
        providers: {
          a: { type: "openai", api_key: "${A_KEY}", base_url: "https://user:url%2Fpass@proxy.example/v1", headers: { authorization: "Bearer hdr-token-1", "x-team": "alpha" } },
          b: { type: "anthropic", api_key: "sk-ant-b-1" },
          c: { type: "ollama" },
        },
        models: { m: { targets: [{ provider: "a", model: "x" }] } },
        keys: [{ name: "team", key: "gw-key-1" }],
        limits: { store: "redis", redis_url: "redis://:redis-pass-1@127.0.0.1:6379/0" },
      },
      "test",
      { A_KEY: "sk-a-1" },
    );
    const secrets = configSecrets(config.raw);
    for (const expected of ["sk-a-1", "url/pass", "Bearer hdr-token-1", "hdr-token-1", "alpha", "sk-ant-b-1", "gw-key-1", "redis-pass-1", "scrape-token-1"]) {
      expect(secrets).toContain(expected);
    }
  });
});
