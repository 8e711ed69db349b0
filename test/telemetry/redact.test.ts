// Secret redaction for logged bodies, on the kinds of text people paste into prompts.
import { describe, expect, it } from "vitest";
import { REDACTED, redactSecrets, redactValue, secretRedactor } from "../../src/telemetry/redact.ts";

describe("redactSecrets", () => {
  it.each([
    ["an OpenAI project key", "my key is sk-proj-AbCdEf0123456789_xyzXYZ-987 please", "sk-proj-AbCdEf0123456789_xyzXYZ-987"],
    ["an Anthropic key", "ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnop_QRSTUV", "sk-ant-api03-abcdefghijklmnop_QRSTUV"],
    ["a bearer header", "curl -H 'Authorization: Bearer eyJabc.def-ghi_jkl' https://api", "eyJabc.def-ghi_jkl"],
    ["a Google API key", "key=AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv"],
    ["an AWS access key id", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"],
    ["a GitHub token", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
    ["a Slack token", "xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"],
    [
      "a JWT",
      "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ],
    ["a password in a URL", "postgres://admin:hunter2pass@db.internal:5432/app", "hunter2pass"],
    ["a JSON api_key field", '{"api_key": "abc123def456", "model": "x"}', "abc123def456"],
    ["a password assignment", "password=Tr0ub4dor&3", "Tr0ub4dor"],
    ["an x-api-key header", "x-api-key: 9f8e7d6c5b4a", "9f8e7d6c5b4a"],
    ["a client secret in YAML", "client_secret: s3cr3t-value-here", "s3cr3t-value-here"],
  ])("removes %s", (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it("removes a PEM private key block whole", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabcdef\n-----END RSA PRIVATE KEY-----";
    expect(redactSecrets(`here:\n${pem}\nthanks`)).toBe(`here:\n${REDACTED}\nthanks`);
  });

  it("keeps the words around a secret and ordinary text untouched", () => {
    expect(redactSecrets("Authorization: Bearer abcdefghijkl")).toBe(`Authorization: Bearer ${REDACTED}`);
    const plain = "Summarise the sk-learn docs; the key idea is tokens per second and a password policy.";
    expect(redactSecrets(plain)).toBe(plain);
  });
});

describe("redactValue", () => {
  it("redacts strings deep in messages, secret-named fields, and shortens inline images", () => {
    const messages = [
      { role: "system", content: "You are helpful." },
      {
        role: "user",
        content: [
          { type: "text", text: "use sk-live-0123456789abcdef to call it" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(5000)}` } },
        ],
      },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"token":"abc.def.123"}' } }] },
      { role: "tool", tool_call_id: "c1", content: "ok", api_key: "raw-field-secret" },
    ];
    const out = JSON.stringify(redactValue(messages));
    expect(out).not.toContain("sk-live-0123456789abcdef");
    expect(out).not.toContain("abc.def.123");
    expect(out).not.toContain("raw-field-secret");
    expect(out).not.toContain("AAAAAAAAAA");
    expect(out).toContain("data:image/png (");
    expect(out).toContain("You are helpful.");
    expect(messages[3]).toHaveProperty("api_key", "raw-field-secret"); // the request itself is untouched
  });
});

describe("secretRedactor", () => {
  it("takes out every configured secret wherever it appears, and its URL-encoded form", () => {
    const redact = secretRedactor(["sk-upstream-0123456789", "p@ss/word+with$special(chars)"]);
    expect(redact('{"error":"bad key sk-upstream-0123456789 (Bearer sk-upstream-0123456789)"}')).toBe(`{"error":"bad key ${REDACTED} (Bearer ${REDACTED})"}`);
    expect(redact("auth=p@ss/word+with$special(chars)")).toBe(`auth=${REDACTED}`);
    expect(redact(`url=https://h/?k=${encodeURIComponent("p@ss/word+with$special(chars)")}`)).toBe(`url=https://h/?k=${REDACTED}`);
    expect(redact("nothing secret here")).toBe("nothing secret here");
  });

  it("removes a secret that contains another one whole", () => {
    const redact = secretRedactor(["abcdefgh12", "abcdefgh1234567890"]);
    expect(redact("x abcdefgh1234567890 y")).toBe(`x ${REDACTED} y`);
  });

  it("matches short secrets only as whole tokens, so ordinary words survive", () => {
    const redact = secretRedactor(["dev", "k9"]);
    expect(redact("invalid key dev; device k9x and k9")).toBe(`invalid key ${REDACTED}; device k9x and ${REDACTED}`);
  });

  it("is the identity without secrets, and ignores blank ones", () => {
    const redact = secretRedactor(["", "   "]);
    expect(redact("sk-anything")).toBe("sk-anything");
  });
});
