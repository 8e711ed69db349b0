// The Responses API's shapes as this door writes them (OpenAI's spec, `Response` and its output
// items). Input items stay plain JSON objects: they are validated where they are read.

export type Json = Record<string, unknown>;

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface RefusalContent {
  type: "refusal";
  refusal: string;
}

export interface MessageItem {
  type: "message";
  id: string;
  role: "assistant";
  status: ItemStatus;
  content: (OutputText | RefusalContent)[];
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  /** The `namespace` tool the function belongs to, when it belongs to one. */
  namespace?: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface ReasoningItem {
  type: "reasoning";
  id: string;
  summary: { type: "summary_text"; text: string }[];
  status?: ItemStatus;
}

export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  tools: unknown[];
  tool_choice: unknown;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  previous_response_id: string | null;
  store: boolean;
  text: Json;
  reasoning: Json | null;
  truncation: "auto" | "disabled";
  metadata: Record<string, string>;
  usage: ResponseUsage | null;
}
