// The SDK loads on the first translated call: its 248 files cost 180-290 ms CPU at start, and
// the native Messages lane (undici) never uses them.
import type * as AnthropicSdk from "@anthropic-ai/sdk";

type Sdk = typeof AnthropicSdk;

let loading: Promise<Sdk> | undefined;

export function loadSdk(): Promise<Sdk> {
  loading ??= import("@anthropic-ai/sdk");
  return loading;
}
