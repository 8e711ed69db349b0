// Checks Responses API objects and event streams against OpenAI's spec (the pinned OpenAPI
// document's Response, output item, usage and stream-event schemas, restated here as checks) and
// against the order rules strict clients enforce: sequence numbers from 0 rising by one, every
// delta inside its item and content part, exactly one terminal event, last, with the full output.
// Each check returns the problems it found; an empty list is a valid object or stream.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const RESPONSE_STATUSES = ["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"];
const ITEM_STATUSES = ["in_progress", "completed", "incomplete"];
const RESPONSE_REQUIRED = ["id", "object", "created_at", "error", "incomplete_details", "instructions", "model", "tools", "output", "parallel_tool_calls", "metadata", "tool_choice", "temperature", "top_p"];

function need(problems: string[], at: string, value: Json, fields: readonly string[]): void {
  for (const field of fields) if (!(field in value)) problems.push(`${at}.${field} is missing`);
}

function isInt(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

export function checkUsage(usage: unknown, at: string): string[] {
  const problems: string[] = [];
  if (!isObject(usage)) return [`${at} must be an object`];
  for (const field of ["input_tokens", "output_tokens", "total_tokens"]) if (!isInt(usage[field])) problems.push(`${at}.${field} must be an integer`);
  const input = usage["input_tokens_details"];
  if (!isObject(input) || !isInt(input["cached_tokens"]) || !isInt(input["cache_write_tokens"])) problems.push(`${at}.input_tokens_details needs cached_tokens and cache_write_tokens`);
  const output = usage["output_tokens_details"];
  if (!isObject(output) || !isInt(output["reasoning_tokens"])) problems.push(`${at}.output_tokens_details needs reasoning_tokens`);
  return problems;
}

export function checkContentPart(part: unknown, at: string): string[] {
  if (!isObject(part)) return [`${at} must be an object`];
  if (part["type"] === "output_text") {
    const problems: string[] = [];
    if (typeof part["text"] !== "string") problems.push(`${at}.text must be a string`);
    if (!Array.isArray(part["annotations"])) problems.push(`${at}.annotations must be an array`);
    if (!Array.isArray(part["logprobs"])) problems.push(`${at}.logprobs must be an array`);
    return problems;
  }
  if (part["type"] === "refusal") return typeof part["refusal"] === "string" ? [] : [`${at}.refusal must be a string`];
  return [`${at}.type '${String(part["type"])}' is not an output content type`];
}

export function checkOutputItem(item: unknown, at: string): string[] {
  if (!isObject(item)) return [`${at} must be an object`];
  const problems: string[] = [];
  const id = item["id"];
  switch (item["type"]) {
    case "message": {
      need(problems, at, item, ["id", "type", "role", "content", "status"]);
      if (typeof id !== "string" || !id.startsWith("msg_")) problems.push(`${at}.id must start with msg_`);
      if (item["role"] !== "assistant") problems.push(`${at}.role must be assistant`);
      if (!ITEM_STATUSES.includes(item["status"] as string)) problems.push(`${at}.status is invalid`);
      const content = item["content"];
      if (!Array.isArray(content)) problems.push(`${at}.content must be an array`);
      else content.forEach((part, i) => problems.push(...checkContentPart(part, `${at}.content[${i}]`)));
      break;
    }
    case "function_call":
      need(problems, at, item, ["type", "call_id", "name", "arguments"]);
      if (typeof id !== "string" || !id.startsWith("fc_")) problems.push(`${at}.id must start with fc_`);
      if (typeof item["call_id"] !== "string" || item["call_id"] === "") problems.push(`${at}.call_id must be a non-empty string`);
      if (typeof item["name"] !== "string" || item["name"] === "") problems.push(`${at}.name must be a non-empty string`);
      if (typeof item["arguments"] !== "string") problems.push(`${at}.arguments must be a string`);
      if (item["status"] !== undefined && !ITEM_STATUSES.includes(item["status"] as string)) problems.push(`${at}.status is invalid`);
      break;
    case "reasoning":
      need(problems, at, item, ["id", "type", "summary"]);
      if (typeof id !== "string" || !id.startsWith("rs_")) problems.push(`${at}.id must start with rs_`);
      if (!Array.isArray(item["summary"])) problems.push(`${at}.summary must be an array`);
      break;
    default:
      problems.push(`${at}.type '${String(item["type"])}' is not an output item the gateway emits`);
  }
  return problems;
}

export function checkResponse(response: unknown, at = "response"): string[] {
  if (!isObject(response)) return [`${at} must be an object`];
  const problems: string[] = [];
  need(problems, at, response, RESPONSE_REQUIRED);
  if (response["object"] !== "response") problems.push(`${at}.object must be 'response'`);
  if (typeof response["id"] !== "string" || !response["id"].startsWith("resp_")) problems.push(`${at}.id must start with resp_`);
  if (!isInt(response["created_at"])) problems.push(`${at}.created_at must be unix seconds`);
  if (!RESPONSE_STATUSES.includes(response["status"] as string)) problems.push(`${at}.status is invalid`);
  if (!Array.isArray(response["tools"])) problems.push(`${at}.tools must be an array`);
  if (typeof response["parallel_tool_calls"] !== "boolean") problems.push(`${at}.parallel_tool_calls must be a boolean`);
  const output = response["output"];
  if (!Array.isArray(output)) problems.push(`${at}.output must be an array`);
  else output.forEach((item, i) => problems.push(...checkOutputItem(item, `${at}.output[${i}]`)));
  const ids = Array.isArray(output) ? output.map((item) => (item as Json)["id"]) : [];
  if (new Set(ids).size !== ids.length) problems.push(`${at}.output has duplicate item ids`);
  if (response["usage"] !== null && response["usage"] !== undefined) problems.push(...checkUsage(response["usage"], `${at}.usage`));
  const status = response["status"];
  if (status === "incomplete") {
    const details = response["incomplete_details"];
    if (!isObject(details) || !["max_output_tokens", "content_filter"].includes(details["reason"] as string)) problems.push(`${at}.incomplete_details.reason is required when incomplete`);
  } else if (response["incomplete_details"] !== null) problems.push(`${at}.incomplete_details must be null unless incomplete`);
  if (status === "failed") {
    const error = response["error"];
    if (!isObject(error) || typeof error["code"] !== "string" || typeof error["message"] !== "string") problems.push(`${at}.error needs code and message when failed`);
  } else if (response["error"] !== null) problems.push(`${at}.error must be null unless failed`);
  return problems;
}

/** Fields each event type requires besides `type` and `sequence_number`. */
const EVENT_FIELDS: Record<string, readonly string[]> = {
  "response.created": ["response"],
  "response.in_progress": ["response"],
  "response.completed": ["response"],
  "response.incomplete": ["response"],
  "response.failed": ["response"],
  "response.output_item.added": ["output_index", "item"],
  "response.output_item.done": ["output_index", "item"],
  "response.content_part.added": ["item_id", "output_index", "content_index", "part"],
  "response.content_part.done": ["item_id", "output_index", "content_index", "part"],
  "response.output_text.delta": ["item_id", "output_index", "content_index", "delta", "logprobs"],
  "response.output_text.done": ["item_id", "output_index", "content_index", "text", "logprobs"],
  "response.refusal.delta": ["item_id", "output_index", "content_index", "delta"],
  "response.refusal.done": ["item_id", "output_index", "content_index", "refusal"],
  "response.function_call_arguments.delta": ["item_id", "output_index", "delta"],
  "response.function_call_arguments.done": ["item_id", "output_index", "name", "arguments"],
  "response.reasoning_summary_part.added": ["item_id", "output_index", "summary_index", "part"],
  "response.reasoning_summary_part.done": ["item_id", "output_index", "summary_index", "part"],
  "response.reasoning_summary_text.delta": ["item_id", "output_index", "summary_index", "delta"],
  "response.reasoning_summary_text.done": ["item_id", "output_index", "summary_index", "text"],
  error: ["code", "message", "param"],
};
const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** The event types of a streamed one-message text answer, in the spec's order: `deltas` text deltas, then `terminal`. */
export function textStreamTypes(deltas: number, terminal: "response.completed" | "response.incomplete" = "response.completed"): string[] {
  return [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    ...Array<string>(deltas).fill("response.output_text.delta"),
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    terminal,
  ];
}

/** Parses an SSE body into its events (`data:` JSON), checking `event:` names match the type. */
export function parseEvents(body: string): { events: Json[]; problems: string[] } {
  const events: Json[] = [];
  const problems: string[] = [];
  for (const block of body.split(/\n\n/)) {
    if (block.trim() === "") continue;
    const lines = block.split("\n");
    const name = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
    const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
    if (data === "[DONE]") {
      problems.push("a Responses stream has no [DONE]");
      continue;
    }
    const event = JSON.parse(data) as Json;
    if (name !== undefined && name !== event["type"]) problems.push(`event line '${name}' does not match type '${String(event["type"])}'`);
    events.push(event);
  }
  return { events, problems };
}

interface ItemState {
  id: string;
  type: string;
  done: boolean;
  /** Open content parts by content index. */
  parts: Map<number, { done: boolean; text: string }>;
  arguments: string;
  finalItem?: Json;
}

export function checkStream(events: readonly Json[]): string[] {
  const problems: string[] = [];
  const items = new Map<number, ItemState>();
  let terminal = 0;
  events.forEach((event, index) => {
    const type = event["type"] as string;
    const at = `event ${index} (${type})`;
    if (event["sequence_number"] !== index) problems.push(`${at}: sequence_number ${String(event["sequence_number"])}, expected ${index}`);
    const fields = EVENT_FIELDS[type];
    if (!fields) problems.push(`${at}: not an event type the gateway may emit`);
    else need(problems, at, event, fields);
    if (terminal > 0) problems.push(`${at}: comes after the terminal event`);
    if (index === 0 && type !== "response.created") problems.push("the first event must be response.created");
    if (index === 1 && type !== "response.in_progress") problems.push("the second event must be response.in_progress");
    if (type === "response.created" || type === "response.in_progress") {
      problems.push(...checkResponse(event["response"], `${at}.response`));
      const r = event["response"] as Json;
      if (r["status"] !== "in_progress" || (r["output"] as unknown[]).length !== 0) problems.push(`${at}: the opening response is in progress with no output`);
    }
    const outputIndex = event["output_index"] as number | undefined;
    const state = outputIndex === undefined ? undefined : items.get(outputIndex);
    const itemId = event["item_id"];
    if (type === "response.output_item.added") {
      const item = event["item"] as Json;
      problems.push(...checkOutputItem(item, `${at}.item`));
      if (outputIndex !== items.size) problems.push(`${at}: output_index ${String(outputIndex)}, expected ${items.size}`);
      if ([...items.values()].some((s) => !s.done)) problems.push(`${at}: an earlier item is still open`);
      if (item["status"] !== "in_progress") problems.push(`${at}: an added item is in progress`);
      items.set(outputIndex ?? -1, { id: item["id"] as string, type: item["type"] as string, done: false, parts: new Map(), arguments: "" });
      return;
    }
    if (type.startsWith("response.") && !TERMINAL.has(type) && type !== "response.created" && type !== "response.in_progress") {
      if (!state) {
        problems.push(`${at}: no output_item.added at index ${String(outputIndex)}`);
        return;
      }
      if (state.done) problems.push(`${at}: its item is already done`);
      if (itemId !== undefined && itemId !== state.id) problems.push(`${at}: item_id ${JSON.stringify(itemId)}, expected ${state.id}`);
    }
    if (!state) {
      if (TERMINAL.has(type)) {
        terminal += 1;
        problems.push(...checkTerminal(event, items, at));
      }
      return;
    }
    const contentIndex = event["content_index"] as number;
    const part = state.parts.get(contentIndex);
    switch (type) {
      case "response.content_part.added":
        problems.push(...checkContentPart(event["part"], `${at}.part`));
        if (contentIndex !== state.parts.size) problems.push(`${at}: content_index ${contentIndex}, expected ${state.parts.size}`);
        state.parts.set(contentIndex, { done: false, text: "" });
        break;
      case "response.output_text.delta":
      case "response.refusal.delta":
        if (!part || part.done) problems.push(`${at}: no open content part ${contentIndex}`);
        else part.text += event["delta"] as string;
        if (type === "response.output_text.delta" && !Array.isArray(event["logprobs"])) problems.push(`${at}: logprobs must be an array`);
        break;
      case "response.output_text.done":
      case "response.refusal.done": {
        const full = (event["text"] ?? event["refusal"]) as string;
        if (!part || part.done) problems.push(`${at}: no open content part ${contentIndex}`);
        else if (part.text !== full) problems.push(`${at}: done text differs from its deltas`);
        break;
      }
      case "response.content_part.done":
        if (!part) problems.push(`${at}: no content part ${contentIndex}`);
        else part.done = true;
        break;
      case "response.function_call_arguments.delta":
        if (state.type !== "function_call") problems.push(`${at}: not a function call item`);
        state.arguments += event["delta"] as string;
        break;
      case "response.function_call_arguments.done":
        if (event["arguments"] !== state.arguments) problems.push(`${at}: arguments differ from their deltas`);
        break;
      case "response.output_item.done": {
        const item = event["item"] as Json;
        problems.push(...checkOutputItem(item, `${at}.item`));
        if (item["id"] !== state.id) problems.push(`${at}: item id changed`);
        if ([...state.parts.values()].some((p) => !p.done)) problems.push(`${at}: a content part is still open`);
        if (item["status"] === "in_progress") problems.push(`${at}: a done item is not in progress`);
        state.done = true;
        state.finalItem = item;
        break;
      }
      default:
        break;
    }
  });
  if (terminal !== 1) problems.push(`expected exactly one terminal event, got ${terminal}`);
  if (events.length > 0 && !TERMINAL.has(events.at(-1)?.["type"] as string)) problems.push("the last event must be terminal");
  return problems;
}

function checkTerminal(event: Json, items: Map<number, ItemState>, at: string): string[] {
  const problems = checkResponse(event["response"], `${at}.response`);
  const response = event["response"] as Json;
  const expected = { "response.completed": "completed", "response.incomplete": "incomplete", "response.failed": "failed" }[event["type"] as string];
  if (response["status"] !== expected) problems.push(`${at}: status ${String(response["status"])}, expected ${String(expected)}`);
  if (expected !== "failed") {
    if (response["usage"] === null || response["usage"] === undefined) problems.push(`${at}: the terminal response carries usage`);
    if ([...items.values()].some((s) => !s.done)) problems.push(`${at}: an item is still open`);
    const output = response["output"] as Json[];
    const streamed = [...items.values()].map((s) => s.finalItem);
    if (JSON.stringify(output) !== JSON.stringify(streamed)) problems.push(`${at}: output differs from the items streamed`);
  }
  return problems;
}
