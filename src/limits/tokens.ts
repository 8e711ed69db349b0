// Prompt token estimates for token limits: reserved before the upstream call, corrected by the
// real usage afterwards, so an estimate only has to be close and cheap, never exact.
//
// Chat overhead follows OpenAI's chat format: every message costs 3 tokens of framing plus its
// role, a `name` costs 1 more, and 3 tokens prime the reply. For other models the same layout
// is used with the character approximation (see text-tokens.ts) and 4 tokens of framing.
// Tools are counted as their name, description and JSON parameters plus 8 tokens each (OpenAI
// renders them into the system prompt in a compact form of about that size) and 12 once;
// tool calls in assistant messages as name + arguments + 4. Images, audio and files: media-tokens.ts.
//
// Only call this when a token limit applies (Limiter.needsTokenEstimate): it is the most
// expensive step the limiter adds to a request, bounded, but not free.
import { audioTokens, fileTokens, imageTokens } from "./media-tokens.ts";
import { approximateTally, boundTally, openAITally, tokenizerReady, type TokenTally } from "./text-tokens.ts";

export { loadTokenizer, reportTokenizerErrors } from "./text-tokens.ts";

const OPENAI_MESSAGE_FRAMING = 3;
const OTHER_MESSAGE_FRAMING = 4;
const NAME_TOKENS = 1;
const REPLY_PRIMING = 3;
const TOOLS_OVERHEAD = 12;
const PER_TOOL = 8;
const PER_TOOL_CALL = 4;
const RESPONSE_FORMAT_OVERHEAD = 10;

/** The parts of a chat request that cost prompt tokens (a ChatRequest satisfies it). */
export interface PromptShape {
  readonly messages?: unknown;
  readonly tools?: unknown;
  readonly functions?: unknown;
  readonly response_format?: unknown;
}

/**
 * Whether `model` (an upstream model name, optionally "vendor/model" as routers write it)
 * is counted with OpenAI's tokenizer.
 */
export function usesOpenAITokenizer(model: string): boolean {
  let openai = tokenizerOfModel.get(model);
  if (openai === undefined) {
    const name = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
    openai = /^(gpt-|chatgpt-|o\d(-|$)|text-|davinci|babbage|ft:gpt-)/.test(name);
    if (tokenizerOfModel.size >= MAX_REMEMBERED_MODELS) tokenizerOfModel.clear();
    tokenizerOfModel.set(model, openai);
  }
  return openai;
}

/** Upstream model names come from the config, so a few are asked about on every request. */
const tokenizerOfModel = new Map<string, boolean>();
const MAX_REMEMBERED_MODELS = 256;

export function estimatePromptTokens(request: PromptShape, model: string): number {
  const openai = usesOpenAITokenizer(model);
  return promptTokens(request, openai ? OPENAI_MESSAGE_FRAMING : OTHER_MESSAGE_FRAMING, openai ? openAITally() : approximateTally());
}

/** A cheap upper bound of a prompt's estimate, and how to get the estimate itself. */
export interface PromptBound {
  readonly bound: number;
  /** estimatePromptTokens, with the tokenizer loaded first if it is not yet (or failed to). */
  count(): Promise<number>;
}

/**
 * An upper bound of estimatePromptTokens(request, model) that runs no tokenizer (see boundTally),
 * for a limiter far from its token limits; undefined for a model counted with the character
 * approximation, whose estimate is as cheap.
 */
export function promptTokenBound(request: PromptShape, model: string): PromptBound | undefined {
  if (!usesOpenAITokenizer(model)) return undefined;
  return {
    bound: promptTokens(request, OPENAI_MESSAGE_FRAMING, boundTally()),
    count: () => tokenizerReady().then(() => estimatePromptTokens(request, model)),
  };
}

function promptTokens(request: PromptShape, framing: number, text: TokenTally): number {
  let fixed = REPLY_PRIMING;
  for (const message of list(request.messages)) {
    fixed += framing + messageTokens(message, text);
  }
  fixed += toolsTokens([...list(request.tools), ...list(request.functions)], text);
  const format = record(request.response_format);
  if (format?.["type"] === "json_schema") {
    fixed += RESPONSE_FORMAT_OVERHEAD;
    text.add(JSON.stringify(format["json_schema"] ?? {}));
  }
  return fixed + text.total();
}

/** Tokens in a completion text, e.g. what a stream delivered before the client went away. */
export function estimateTextTokens(text: string, model: string): number {
  const tally = usesOpenAITokenizer(model) ? openAITally() : approximateTally();
  tally.add(text);
  return tally.total();
}

// The walkers below add a request's texts to the tally and return the fixed tokens around them.

function messageTokens(raw: unknown, text: TokenTally): number {
  const message = record(raw);
  if (message === undefined) return 0;
  let fixed = 0;
  text.add(str(message["role"]));
  if (typeof message["name"] === "string") {
    fixed += NAME_TOKENS;
    text.add(message["name"]);
  }
  const content = message["content"];
  if (typeof content === "string") text.add(content);
  else for (const part of list(content)) fixed += partTokens(part, text);
  for (const call of list(message["tool_calls"])) fixed += toolCallTokens(call, text);
  const legacyCall = record(message["function_call"]);
  if (legacyCall !== undefined) fixed += toolCallTokens({ function: legacyCall }, text);
  return fixed;
}

function partTokens(raw: unknown, text: TokenTally): number {
  const part = record(raw);
  switch (part?.["type"]) {
    case "text":
      text.add(str(part["text"]));
      return 0;
    case "refusal":
      text.add(str(part["refusal"]));
      return 0;
    case "image_url": {
      const image = record(part["image_url"]);
      return imageTokens(str(image?.["url"]), typeof image?.["detail"] === "string" ? image["detail"] : undefined);
    }
    case "input_audio":
      return audioTokens(str(record(part["input_audio"])?.["data"]));
    case "file":
      return fileTokens(record(part["file"]) ?? {});
    default:
      return 0;
  }
}

function toolCallTokens(raw: unknown, text: TokenTally): number {
  const call = record(raw);
  const fn = record(call?.["function"]) ?? record(call?.["custom"]);
  if (fn === undefined) return 0;
  text.add(str(fn["name"]));
  text.add(str(fn["arguments"] ?? fn["input"]));
  return PER_TOOL_CALL;
}

function toolsTokens(tools: readonly unknown[], text: TokenTally): number {
  if (tools.length === 0) return 0;
  let fixed = TOOLS_OVERHEAD;
  for (const raw of tools) {
    const tool = record(raw);
    // { type: "function", function: {...} }, { type: "custom", custom: {...} } or a legacy function
    const fn = record(tool?.["function"]) ?? record(tool?.["custom"]) ?? tool;
    if (fn === undefined) continue;
    fixed += PER_TOOL;
    text.add(str(fn["name"]));
    text.add(str(fn["description"]));
    const schema = fn["parameters"] ?? fn["format"];
    if (schema !== undefined) text.add(JSON.stringify(schema));
  }
  return fixed;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Embeddings input: the texts' tokens, and a token array's entries one each (no framing). */
export function estimateInputTokens(inputs: readonly (string | readonly number[])[], model: string): number {
  return inputTokens(inputs, usesOpenAITokenizer(model) ? openAITally() : approximateTally());
}

/**
 * An upper bound of estimateInputTokens that runs no tokenizer (see boundTally), so a key far
 * from its token limits is not charged a tokenizer pass per input; undefined where the estimate
 * is the character approximation anyway.
 */
export function inputTokenBound(inputs: readonly (string | readonly number[])[], model: string): PromptBound | undefined {
  if (!usesOpenAITokenizer(model)) return undefined;
  return { bound: inputTokens(inputs, boundTally()), count: () => tokenizerReady().then(() => estimateInputTokens(inputs, model)) };
}

/** Texts through the tally; pre-tokenized inputs count as their length. */
function inputTokens(inputs: readonly (string | readonly number[])[], text: TokenTally): number {
  let tokens = 0;
  for (const item of inputs) {
    if (typeof item === "string") text.add(item);
    else tokens += item.length;
  }
  return tokens + text.total();
}
