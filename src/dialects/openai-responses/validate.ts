// Validates a `POST /v1/responses` body: the fields this door reads must have the types the
// spec gives them (a 400 naming the field otherwise); everything else stays on the body for the
// native lane, which forwards it as sent.
import { invalidRequest } from "../../http/errors.ts";
import { arrayField, booleanField, isObject, numberField, objectField, objectItems, stringField, type Json } from "../../http/request-fields.ts";

/** The fields the door reads, typed; `body` is the whole request as sent. */
export interface ResponsesBody {
  readonly body: Json;
  readonly model: string;
  /** Input items as sent; a string input is one user message. */
  readonly input: readonly Json[];
  readonly instructions: string | undefined;
  readonly tools: readonly Json[];
  readonly previousResponseId: string | undefined;
  readonly stream: boolean;
  readonly store: boolean;
}

export function validateResponsesBody(raw: unknown): ResponsesBody {
  if (!isObject(raw)) throw invalidRequest("the request body must be a JSON object");
  const model = stringField(raw, "model", "", "required") as string;
  const input = inputOf(raw);
  const instructions = stringField(raw, "instructions");
  const tools = arrayField(raw, "tools") ?? [];
  for (const [tool, at] of objectItems(tools, "tools")) stringField(tool, "type", at, "required");
  const toolChoice = raw["tool_choice"];
  if (toolChoice !== undefined && toolChoice !== null && typeof toolChoice !== "string" && !isObject(toolChoice)) {
    throw invalidRequest("tool_choice must be a string or an object", "tool_choice");
  }
  const text = objectField(raw, "text");
  const format = text ? objectField(text, "format", "text") : undefined;
  if (format) stringField(format, "type", "text.format", "required");
  const reasoning = objectField(raw, "reasoning");
  if (reasoning) stringField(reasoning, "effort", "reasoning");
  numberField(raw, "max_output_tokens", "", { min: 1, integer: true });
  numberField(raw, "temperature", "", { min: 0, max: 2 });
  numberField(raw, "top_p", "", { min: 0, max: 1 });
  booleanField(raw, "parallel_tool_calls");
  const metadata = objectField(raw, "metadata");
  if (metadata) for (const [name, value] of Object.entries(metadata)) if (typeof value !== "string") throw invalidRequest(`metadata.${name} must be a string`, `metadata.${name}`);
  const previousResponseId = stringField(raw, "previous_response_id");
  return {
    body: raw,
    model,
    input,
    instructions,
    tools: objectItems(tools, "tools").map(([tool]) => tool),
    previousResponseId,
    stream: booleanField(raw, "stream") ?? false,
    store: booleanField(raw, "store") ?? true,
  };
}

function inputOf(raw: Json): Json[] {
  const input = raw["input"];
  if (input === undefined || input === null) return [];
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  if (!Array.isArray(input)) throw invalidRequest("input must be a string or an array of input items", "input");
  return objectItems(input, "input").map(([item, at]) => {
    if (item["type"] === undefined && item["role"] === undefined) throw invalidRequest(`${at}.type is required`, `${at}.type`, "missing_required_parameter");
    if (item["type"] !== undefined) stringField(item, "type", at);
    return item;
  });
}
