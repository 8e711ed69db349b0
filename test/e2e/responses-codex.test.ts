// Codex CLI (`codex exec`, the real binary from @openai/codex) against the gateway as a custom
// model provider (`wire_api = "responses"`, base URL and key), asking for one reply (and once
// for a command it runs): on the translated lane (an Anthropic upstream) and on the native lane. Codex runs with a throwaway
// HOME and CODEX_HOME, update checks, analytics, plugins and apps off (left on, they reach
// github.com and chatgpt.com), and every proxy variable pointed at a loopback tripwire, so any
// request it tried to make beyond the gateway would be counted.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { requestLines, responsesLanesConfig, startTestGateway, stopAll, type TestGateway } from "../harness/gateway.ts";

type Json = Record<string, unknown>;

const CODEX = join(import.meta.dirname, "../../node_modules/@openai/codex/bin/codex.js");
const RUN_TIMEOUT_MS = 90_000;

/** Hosted tools cannot run on a translated lane, and Codex offers web search by default: turned off there. */
const TRANSLATED_LANE_CONFIG = ["-c", 'web_search="disabled"'];

interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("Codex CLI through the Responses door", () => {
  let anthropic: FakeUpstream;
  let native: FakeUpstream;
  let gw: TestGateway;
  let tripwire: Server;
  let tripped = 0;
  const dirs: string[] = [];

  beforeAll(async () => {
    anthropic = await startAnthropicFake();
    native = await startOpenAIResponsesFake();
    gw = await startTestGateway(
      {
        ...responsesLanesConfig({ anthropic, native }, { translated: { name: "codex-claude", model: "claude-sonnet-4-6" }, native: { name: "codex-gpt", model: "gpt-5.1-codex" } }),
        keys: [{ name: "dev", key: "${DEV_KEY}" }],
      },
      { DEV_KEY: "sk-dev-codex" },
    );
    tripwire = createServer((socket) => {
      tripped += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tripwire.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await stopAll(gw, anthropic, native);
    await new Promise<void>((resolve) => tripwire.close(() => resolve()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    anthropic.reset();
    native.reset();
    tripped = 0;
  });

  function runCodex(model: string, prompt: string, extra: readonly string[] = []): Promise<CodexRun> {
    const home = mkdtempSync(join(tmpdir(), "codex-home-"));
    const work = mkdtempSync(join(tmpdir(), "codex-work-"));
    dirs.push(home, work);
    const address = tripwire.address();
    const proxy = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 9}`;
    const args = [
      CODEX, "exec", "--skip-git-repo-check", "--ephemeral", "--color", "never", "-s", "read-only", "-C", work,
      "-c", "model_provider=gw",
      "-c", `model_providers.gw={ name = "Gateway", base_url = "${gw.baseURL}", env_key = "GATEWAY_KEY", wire_api = "responses", request_max_retries = 0, stream_max_retries = 0 }`,
      "-c", `model="${model}"`,
      "-c", "check_for_update_on_startup=false",
      "-c", "analytics.enabled=false",
      "--disable", "plugins", "--disable", "remote_plugin", "--disable", "apps",
      ...extra,
      prompt,
    ];
    const env = {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: home,
      CODEX_HOME: home,
      GATEWAY_KEY: "sk-dev-codex",
      HTTPS_PROXY: proxy, HTTP_PROXY: proxy, ALL_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, all_proxy: proxy,
      NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost",
    };
    // Asynchronous: the gateway runs in this process and must keep serving while Codex waits.
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    return new Promise((resolve) => {
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it("answers on the translated lane: Codex prints the Anthropic upstream's reply and exits 0", async () => {
    anthropic.script({ reply: { text: "Hello from Claude through the gateway.", usage: { prompt: 5000, completion: 9 } } });
    const run = await runCodex("codex-claude", "Say hello in one sentence.", TRANSLATED_LANE_CONFIG);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("Hello from Claude through the gateway.");

    expect(anthropic.chatRequests).toHaveLength(1);
    const sent = anthropic.lastChat;
    expect(sent.headers["authorization"]).toBe("Bearer sk-ant-up");
    const body = sent.body as { model: string; stream: boolean; system: unknown; messages: { role: string; content: unknown }[]; tools: { name: string }[] };
    expect(body.model).toBe("claude-sonnet-4-6");
    expect(body.stream).toBe(true);
    // Codex's developer instructions became the system prompt; the prompt is the last user turn.
    expect(JSON.stringify(body.system)).toContain("Codex");
    expect(body.messages.at(-1)?.role).toBe("user");
    expect(JSON.stringify(body.messages.at(-1)?.content)).toContain("Say hello in one sentence.");
    // Its function tools went up as Anthropic tools, those of its multi-agent namespace under qualified names.
    const names = body.tools.map((t) => t.name);
    expect(names).toContain("exec_command");
    expect(names.some((name) => name.startsWith("multi_agent_v1__"))).toBe(true);

    const line = requestLines(gw).at(-1) as Json;
    expect(line).toMatchObject({ api: "responses", keyName: "dev", provider: "claude", status: 200, stream: true, completionTokens: 9 });
    expect(tripped).toBe(0);
  });

  it("runs a tool round trip on the translated lane: the command's output goes back as a tool result", async () => {
    anthropic.script(
      { reply: { text: "", toolCalls: [{ id: "toolu_x1", name: "exec_command", arguments: { cmd: "echo gateway-round-trip" } }], usage: { prompt: 5000, completion: 20 } } },
      { reply: { text: "The command printed gateway-round-trip.", usage: { prompt: 5100, completion: 8 } } },
    );
    const run = await runCodex("codex-claude", "Run echo gateway-round-trip and tell me what it printed.", TRANSLATED_LANE_CONFIG);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("The command printed gateway-round-trip.");
    expect(anthropic.chatRequests).toHaveLength(2);
    const second = anthropic.lastChat.body as { messages: { role: string; content: { type: string; id?: string; tool_use_id?: string; name?: string; content?: unknown }[] }[] };
    const blocks = second.messages.flatMap((m) => m.content.map((block) => ({ role: m.role, ...block })));
    expect(blocks).toContainEqual(expect.objectContaining({ role: "assistant", type: "tool_use", id: "toolu_x1", name: "exec_command" }));
    expect(blocks).toContainEqual(expect.objectContaining({ role: "user", type: "tool_result", tool_use_id: "toolu_x1" }));
    // What the command printed, as Codex reported it, is what the upstream got back.
    expect(JSON.stringify(blocks.find((block) => block.type === "tool_result")?.content)).toMatch(/Output:\\ngateway-round-trip/);
    expect(tripped).toBe(0);
  });

  it("answers on the native lane, with Codex's hosted tools and encrypted reasoning passed through", async () => {
    native.script({ reply: { text: "Hello from the native lane." } });
    const run = await runCodex("codex-gpt", "Say hello in one sentence.");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("Hello from the native lane.");

    expect(native.chatRequests).toHaveLength(1);
    const sent = native.lastChat;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.headers["authorization"]).toBe("Bearer sk-native");
    const body = sent.body as Json & { tools: { type: string }[]; input: Json[] };
    expect(body).toMatchObject({ model: "gpt-5.1-codex", stream: true, store: false, include: ["reasoning.encrypted_content"] });
    expect(body.tools.map((t) => t.type)).toEqual(expect.arrayContaining(["function", "web_search", "namespace"]));
    expect(JSON.stringify(body.input.at(-1))).toContain("Say hello in one sentence.");
    expect(tripped).toBe(0);
  });

  it("fails with the gateway's message naming the hosted tool when one is left on for a translated lane", async () => {
    const run = await runCodex("codex-claude", "Search the web.");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("web_search");
    expect(anthropic.chatRequests).toHaveLength(0);
    expect(tripped).toBe(0);
  });
});
