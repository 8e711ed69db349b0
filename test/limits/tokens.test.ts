import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { countTokens, encodeChat } from "gpt-tokenizer/encoding/o200k_base";
import { beforeAll, describe, expect, it } from "vitest";
import { tileTokens } from "../../src/limits/media-tokens.ts";
import { estimatePromptTokens, estimateTextTokens, loadTokenizer, promptTokenBound, usesOpenAITokenizer } from "../../src/limits/tokens.ts";

beforeAll(async () => {
  await loadTokenizer();
});

const root = join(import.meta.dirname, "../..");
const prose = readFileSync(join(root, "test/fixtures/limits/prose.txt"), "utf8");

/** Real, varied text from this repository: prose, TypeScript and a lock file full of hashes. */
function corpus(minChars: number): string {
  const files = [
    ...listTs(join(root, "src")),
    ...listTs(join(root, "test")),
    join(root, "package-lock.json"),
    join(root, "test/fixtures/limits/prose.txt"),
  ];
  let text = "";
  while (text.length < minChars) for (const file of files) text += readFileSync(file, "utf8") + "\n";
  return text;
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(dir, f));
}

const exactChat = (messages: { role: string; content: string; name?: string }[]) =>
  encodeChat(messages, "gpt-4o", { disallowedSpecial: new Set() }).length;

describe("usesOpenAITokenizer", () => {
  it("recognises OpenAI model names, also behind a router prefix", () => {
    for (const model of ["gpt-4o-mini", "gpt-4.1", "gpt-5", "o3-mini", "o1", "chatgpt-4o-latest", "openai/gpt-4o", "ft:gpt-4o-mini:org::id"]) {
      expect(usesOpenAITokenizer(model), model).toBe(true);
    }
    for (const model of ["claude-sonnet-4-5", "gemini-2.5-flash", "llama3.1:8b", "mistral-large", "smart", "omni"]) {
      expect(usesOpenAITokenizer(model), model).toBe(false);
    }
  });
});

describe("estimatePromptTokens, OpenAI models", () => {
  it("matches the real chat encoding for text messages", () => {
    const messages = [
      { role: "system", content: "You are a careful assistant. Answer briefly." },
      { role: "user", content: prose.slice(0, 1_500) },
      { role: "assistant", content: "Understood. What would you like to know?" },
      { role: "user", content: "Summarise the story in one sentence, please." },
    ];
    expect(estimatePromptTokens({ messages }, "gpt-4o")).toBe(exactChat(messages));
  });

  it("counts a name as one token plus the name", () => {
    const base = [{ role: "user", content: "hello there" }];
    const named = [{ role: "user", content: "hello there", name: "marta" }];
    expect(estimatePromptTokens({ messages: named }, "gpt-4o") - estimatePromptTokens({ messages: base }, "gpt-4o")).toBe(
      1 + countTokens("marta"),
    );
  });

  it("treats special-token text in a prompt as ordinary text", () => {
    const messages = [{ role: "user", content: "What does <|endoftext|> mean?" }];
    expect(estimatePromptTokens({ messages }, "gpt-4o")).toBe(exactChat(messages));
  });

  // Above the exact budget the tokenizer sees ~6 KB of sampled windows, whatever the body's
  // size (a bound on event-loop time). Sampling is within a few percent and leans high, the
  // safe side for a limit; the reservation is corrected to real usage when the answer ends.
  // The corpus is this repository's own text, so it shifts as the code grows: the bounds leave
  // room for that rather than fit one snapshot.
  const withinSampling = (estimate: number, exact: number) => {
    expect((estimate - exact) / exact).toBeGreaterThan(-0.05);
    expect((estimate - exact) / exact).toBeLessThan(0.1);
  };

  it("stays within sampling bounds of the real count on a ~100k-token body of mixed content", () => {
    const text = corpus(420_000);
    const exact = countTokens(text, { disallowedSpecial: new Set() });
    expect(exact).toBeGreaterThan(90_000);
    const estimate = estimatePromptTokens({ messages: [{ role: "user", content: text }] }, "gpt-4o");
    withinSampling(estimate, exact);
  });

  it("stays within sampling bounds on many messages that together exceed the exact budget", () => {
    const text = corpus(300_000);
    const messages = [];
    for (let i = 0; i < 300; i += 1) messages.push({ role: i % 2 ? "assistant" : "user", content: text.slice(i * 1_000, (i + 1) * 1_000) });
    const exact = exactChat(messages);
    const estimate = estimatePromptTokens({ messages }, "gpt-4o");
    withinSampling(estimate, exact);
  });

  it("counts content parts, tool calls and tool results", () => {
    const text = "Checking the tide tables for tomorrow morning.";
    const args = JSON.stringify({ port: "Dover", date: "2025-03-01" });
    const plain = estimatePromptTokens({ messages: [{ role: "user", content: text }] }, "gpt-4o");
    const parts = estimatePromptTokens({ messages: [{ role: "user", content: [{ type: "text", text }] }] }, "gpt-4o");
    expect(parts).toBe(plain);
    const withCall = estimatePromptTokens(
      {
        messages: [
          { role: "user", content: text },
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "tides", arguments: args } }] },
          { role: "tool", tool_call_id: "call_1", content: "High water 06:12, low water 12:40." },
        ],
      },
      "gpt-4o",
    );
    const expectedExtra =
      3 + 1 + 4 + countTokens("tides") + countTokens(args) + (3 + 1 + countTokens("High water 06:12, low water 12:40."));
    expect(withCall - plain).toBe(expectedExtra);
  });

  it("counts tool definitions by their name, description and schema", () => {
    const parameters = {
      type: "object",
      properties: { port: { type: "string", description: "Harbour name" }, date: { type: "string", format: "date" } },
      required: ["port"],
    };
    const messages = [{ role: "user", content: "When is high water?" }];
    const without = estimatePromptTokens({ messages }, "gpt-4o");
    const withTools = estimatePromptTokens(
      { messages, tools: [{ type: "function", function: { name: "tides", description: "Tide times for a port", parameters } }] },
      "gpt-4o",
    );
    expect(withTools - without).toBe(
      12 + 8 + countTokens("tides") + countTokens("Tide times for a port") + countTokens(JSON.stringify(parameters)),
    );
  });

  it("counts images by OpenAI's tile rule and never tokenizes image data", () => {
    const png = pngDataUrl(2_048, 4_096, 1_000_000);
    const image = (url: string, detail?: string) => ({
      messages: [{ role: "user", content: [{ type: "image_url", image_url: detail ? { url, detail } : { url } }] }],
    });
    const base = estimatePromptTokens({ messages: [{ role: "user", content: [] }] }, "gpt-4o");
    expect(estimatePromptTokens(image(png), "gpt-4o") - base).toBe(1_105);
    expect(estimatePromptTokens(image(png, "low"), "gpt-4o") - base).toBe(85);
    expect(estimatePromptTokens(image("https://example.com/cat.jpg"), "gpt-4o") - base).toBe(765);
  });

  it("estimates completion text the same way as prompt text", () => {
    const short = prose.slice(0, 2_000); // within the exact budget
    expect(estimateTextTokens(short, "gpt-4o-mini")).toBe(countTokens(short));
    expect(Math.abs(estimateTextTokens(prose, "gpt-4o-mini") - countTokens(prose)) / countTokens(prose)).toBeLessThan(0.03);
  });
});

describe("estimatePromptTokens, other models", () => {
  it("approximates English prose within 20% of OpenAI's tokenizer, on the high side", () => {
    const messages = [{ role: "user", content: prose }];
    const reference = exactChat(messages);
    const estimate = estimatePromptTokens({ messages }, "claude-sonnet-4-5");
    expect(estimate).toBeGreaterThanOrEqual(reference);
    expect(estimate / reference).toBeLessThan(1.2);
  });

  it("approximates source code within 15%", () => {
    const code = readFileSync(join(root, "src/config/schema.ts"), "utf8");
    const reference = countTokens(code);
    expect(Math.abs(estimateTextTokens(code, "llama3.1:8b") - reference) / reference).toBeLessThan(0.15);
  });

  it("counts CJK text about a token per character rather than four characters per token", () => {
    const text = "这是一个用中文写的测试句子，用来检查估算的行为。".repeat(20);
    expect(estimateTextTokens(text, "gemini-2.5-flash")).toBeGreaterThanOrEqual(countTokens(text));
  });

  it("counts images and tools for them as well", () => {
    const messages = [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }];
    expect(estimatePromptTokens({ messages }, "claude-sonnet-4-5")).toBe(3 + 4 + 1 + 765);
  });
});

describe("tileTokens", () => {
  it("follows OpenAI's examples", () => {
    expect(tileTokens(1_024, 1_024)).toBe(765);
    expect(tileTokens(2_048, 4_096)).toBe(1_105);
    expect(tileTokens(512, 512)).toBe(255);
  });
});

/** A PNG data URL with a real header for the given size, padded to `bytes` of payload. */
function pngDataUrl(width: number, height: number, bytes: number): string {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "latin1");
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return `data:image/png;base64,${Buffer.concat([header, Buffer.alloc(bytes, 7)]).toString("base64")}`;
}

describe("the lazily loaded tokenizer", () => {
  it("counts OpenAI models exactly once loaded, unlike the approximation for others", () => {
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    expect(estimateTextTokens(text, "gpt-4o")).toBe(countTokens(text));
    expect(estimateTextTokens(text, "gpt-4o")).not.toBe(estimateTextTokens(text, "claude-sonnet-4-6"));
  });
});

describe("promptTokenBound", () => {
  const shapes = (text: string) => [
    { messages: [{ role: "user", content: text }] },
    {
      messages: [
        { role: "system", content: text.slice(0, 200), name: "rules" },
        { role: "user", content: [{ type: "text", text }, { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "high" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "look", arguments: text.slice(0, 500) } }] },
      ],
      tools: [{ type: "function", function: { name: "look", description: text.slice(0, 300), parameters: { type: "object" } } }],
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
    },
  ];

  it("is never below the estimate, for prose, code, other scripts and hostile text, short or sampled", () => {
    const texts = [
      "Hello there.",
      prose.slice(0, 3_000),
      corpus(50_000),
      corpus(420_000),
      "日本語のテキスト、かなと漢字。".repeat(50),
      "日本語のテキスト、かなと漢字。".repeat(2_000),
      "ab".repeat(20_000) + "é".repeat(10_000) + "😀".repeat(3_000),
      "\u200b".repeat(5_000) + "\ud800 lone",
    ];
    for (const text of texts) {
      for (const shape of shapes(text)) {
        const bound = promptTokenBound(shape, "gpt-4o");
        expect(bound?.bound).toBeGreaterThanOrEqual(estimatePromptTokens(shape, "gpt-4o"));
      }
    }
  });

  it("is offered only where the estimate runs the tokenizer, and counts the estimate on demand", async () => {
    const shape = { messages: [{ role: "user", content: "hi there" }] };
    const bound = promptTokenBound(shape, "gpt-4o");
    expect(bound?.bound).toBeGreaterThanOrEqual(estimatePromptTokens(shape, "gpt-4o"));
    expect(await bound?.count()).toBe(estimatePromptTokens(shape, "gpt-4o"));
    expect(promptTokenBound(shape, "claude-sonnet-4-6")).toBeUndefined();
  });
});
