// OpenAI ChatRequest → Ollama `/api/chat` request. Pure: images are loaded by the caller and
// passed in. What Ollama cannot honour is a GatewayInputError naming the parameter.
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from "openai/resources/chat/completions";
import { GatewayInputError } from "../input-error.ts";
import type { ChatRequest } from "../types.ts";
import { toOllamaMessages, type ImageLookup } from "./messages.ts";
import type { OllamaChatRequest, OllamaOptions, OllamaTool } from "./wire.ts";

export interface OllamaRequestOptions {
  stream: boolean;
  images: ImageLookup;
  /** From the provider config: how long Ollama keeps the model loaded afterwards. */
  keepAlive?: string | undefined;
}

export function toOllamaRequest(req: ChatRequest, model: string, opts: OllamaRequestOptions): OllamaChatRequest {
  rejectUnsupported(req);
  const out: OllamaChatRequest = {
    model,
    messages: toOllamaMessages(req.messages, opts.images),
    stream: opts.stream,
  };
  const tools = toolsFor(req.tools, req.tool_choice);
  if (tools) out.tools = tools;
  const format = formatOf(req.response_format);
  if (format !== undefined) out.format = format;
  const options = optionsOf(req);
  if (Object.keys(options).length > 0) out.options = options;
  const think = thinkOf(req.reasoning_effort);
  if (think !== undefined) out.think = think;
  if (opts.keepAlive !== undefined) out.keep_alive = opts.keepAlive;
  // Dropped on purpose, none changes what the model generates: `user`, `safety_identifier`,
  // `metadata` (routing input), `store`, `service_tier`, the `prompt_cache_*` hints, and
  // `stream_options` (the gateway's writer applies it). Other unknown extra fields have no
  // Ollama meaning and are not sent.
  return out;
}

const set = (value: unknown): boolean => value !== undefined && value !== null;

function reject(param: string, why: string): never {
  throw new GatewayInputError(`${param}: ${why}`, param);
}

function rejectUnsupported(req: ChatRequest): void {
  if (set(req.n) && req.n !== 1) reject("n", "Ollama returns a single choice; only n=1 is supported");
  if (set(req.audio)) reject("audio", "audio output is not supported by Ollama");
  if (req.modalities?.includes("audio")) reject("modalities", "audio output is not supported by Ollama");
  if (set(req.functions)) reject("functions", "deprecated and not supported; use tools");
  if (set(req.function_call)) reject("function_call", "deprecated and not supported; use tool_choice");
  if (req.logit_bias && Object.keys(req.logit_bias).length > 0) reject("logit_bias", "not supported by Ollama");
  if (req.logprobs === true) reject("logprobs", "not supported by the Ollama adapter");
  if (set(req.top_logprobs)) reject("top_logprobs", "not supported by the Ollama adapter");
  if (set(req.prediction)) reject("prediction", "predicted outputs are not supported by Ollama");
  if (set(req.web_search_options)) reject("web_search_options", "web search is not supported by Ollama");
  if (set(req.moderation)) reject("moderation", "moderation is not supported by Ollama");
  if (set(req.verbosity)) reject("verbosity", "not supported by Ollama");
  if (req.parallel_tool_calls === false && (req.tools?.length ?? 0) > 0 && req.tool_choice !== "none") {
    reject("parallel_tool_calls", "Ollama cannot be limited to one tool call per turn");
  }
}

function optionsOf(req: ChatRequest): OllamaOptions {
  const options: OllamaOptions = {};
  if (set(req.temperature)) options.temperature = req.temperature as number;
  if (set(req.top_p)) options.top_p = req.top_p as number;
  if (set(req.seed)) options.seed = req.seed as number;
  if (set(req.presence_penalty)) options.presence_penalty = req.presence_penalty as number;
  if (set(req.frequency_penalty)) options.frequency_penalty = req.frequency_penalty as number;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (set(maxTokens)) options.num_predict = maxTokens as number;
  const stop = typeof req.stop === "string" ? [req.stop] : (req.stop ?? []);
  if (stop.length > 0) options.stop = stop;
  for (const key of NATIVE_OPTIONS) {
    const value = req[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) reject(key, "must be a number");
    options[key] = value;
  }
  return options;
}

/**
 * Ollama's own options that Ollama-aware clients send as extra top-level fields. `num_ctx`
 * matters most: without it Ollama cuts long prompts to the model's default context.
 */
const NATIVE_OPTIONS = ["top_k", "min_p", "repeat_penalty", "num_ctx"] as const;

function formatOf(format: ChatRequest["response_format"]): OllamaChatRequest["format"] {
  switch (format?.type) {
    case undefined:
    case "text":
      return undefined;
    case "json_object":
      return "json";
    case "json_schema":
      // Ollama constrains decoding to the schema itself, so `strict` needs no translation.
      return format.json_schema.schema ?? "json";
    default:
      return reject("response_format", `type ${String((format as { type: unknown }).type)} is not supported`);
  }
}

/** Ollama has no tool_choice: tools offered means "auto", so only what "auto" can express passes. */
function toolsFor(tools: readonly ChatCompletionTool[] | undefined, choice: ChatCompletionToolChoiceOption | undefined): OllamaTool[] | undefined {
  if (!tools || tools.length === 0) {
    if (choice === "required" || typeof choice === "object") {
      reject("tool_choice", "names a tool but no tools were given");
    }
    return undefined;
  }
  const translated = tools.map(toOllamaTool);
  if (choice === undefined || choice === "auto") return translated;
  if (choice === "none") return undefined;
  if (choice === "required") return reject("tool_choice", `"required" cannot be honoured by Ollama; use "auto" or "none"`);
  if (choice.type === "allowed_tools") {
    if (choice.allowed_tools.mode !== "auto") {
      return reject("tool_choice", `allowed_tools with mode "${choice.allowed_tools.mode}" cannot be honoured by Ollama`);
    }
    const allowed = new Set(
      choice.allowed_tools.tools.map((t) => {
        const fn = (t as { function?: { name?: unknown } }).function;
        return typeof fn?.name === "string" ? fn.name : reject("tool_choice", "allowed_tools entries must name a function");
      }),
    );
    return translated.filter((t) => allowed.has(t.function.name));
  }
  return reject("tool_choice", "forcing a specific tool cannot be honoured by Ollama; use \"auto\" or \"none\"");
}

function toOllamaTool(tool: ChatCompletionTool, i: number): OllamaTool {
  if (tool.type !== "function") return reject(`tools[${i}]`, "custom tools are not supported by Ollama");
  const fn = tool.function;
  // `strict` has no Ollama counterpart; Ollama parses the call into an object either way.
  return {
    type: "function",
    function: {
      name: fn.name,
      ...(fn.description !== undefined ? { description: fn.description } : {}),
      ...(fn.parameters !== undefined ? { parameters: fn.parameters } : {}),
    },
  };
}

function thinkOf(effort: ChatRequest["reasoning_effort"]): OllamaChatRequest["think"] {
  switch (effort) {
    case undefined:
    case null:
      return undefined;
    case "none":
      return false;
    case "low":
    case "medium":
    case "high":
      return effort;
    default:
      return reject("reasoning_effort", `"${effort}" has no Ollama equivalent; use none, low, medium or high`);
  }
}
