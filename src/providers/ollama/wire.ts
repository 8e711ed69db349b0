// The parts of Ollama's native `/api/chat` wire format this adapter writes and reads. Declared
// here rather than taken from the SDK because the SDK's types are looser or wrong where it
// matters (JSON Schema narrowed to a fixed shape, `created_at` typed as a Date, no tool call id).

export interface OllamaToolCall {
  /** Newer servers may send one; most send none. */
  id?: string;
  function: {
    index?: number;
    name: string;
    arguments: Record<string, unknown>;
  };
}

export interface OllamaMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Base64 without a data-URL prefix. */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** On `tool` messages: which function produced this result. */
  tool_name?: string;
}

export interface OllamaTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
  };
}

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
  num_predict?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
  num_ctx?: number;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: OllamaTool[];
  /** "json", or a JSON Schema the output must match. */
  format?: "json" | Record<string, unknown>;
  options?: OllamaOptions;
  keep_alive?: string;
  think?: boolean | "low" | "medium" | "high";
}

/** One non-streaming response, or one NDJSON line of a stream. */
export interface OllamaChatResponse {
  model?: string;
  created_at?: string;
  message?: {
    role?: string;
    content?: string;
    thinking?: string;
    tool_calls?: OllamaToolCall[];
  };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}
