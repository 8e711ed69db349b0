// OpenAI tools, tool_choice, parallel_tool_calls and response_format → Anthropic tools,
// tool_choice and output_config.
import type { OutputConfig, Tool, ToolChoice } from "@anthropic-ai/sdk/resources/messages";
import type { ChatRequest } from "../types.ts";
import { GatewayInputError } from "../input-error.ts";

/**
 * `json_object` has no schema to give structured outputs, so it is emulated with one forced
 * tool taking any object; its input comes back as the message content.
 */
export const JSON_TOOL_NAME = "json_response";

export interface ToolSettings {
  tools?: Tool[];
  tool_choice?: ToolChoice;
  output_config?: OutputConfig;
  /** Set when `json_object` is emulated: the tool whose input is the answer. */
  jsonTool?: string;
}

export function toToolSettings(req: ChatRequest): ToolSettings {
  if (req.functions !== undefined || req.function_call !== undefined) {
    throw new GatewayInputError("legacy `functions`/`function_call` are not supported; use `tools`", req.functions ? "functions" : "function_call");
  }
  let tools = (req.tools ?? []).map((tool, i): Tool => {
    if (tool.type !== "function") throw new GatewayInputError(`tools[${i}]: only function tools are supported`, "tools");
    const fn = tool.function;
    const params = fn.parameters ?? {};
    return {
      name: fn.name,
      ...(fn.description ? { description: fn.description } : {}),
      input_schema: { ...params, type: "object" },
      ...(fn.strict ? { strict: true } : {}),
    };
  });
  const disableParallel = req.parallel_tool_calls === false;
  let choice: ToolChoice | undefined;
  const requested = req.tool_choice;
  if (requested === undefined || requested === "auto") {
    choice = disableParallel && tools.length > 0 ? { type: "auto", disable_parallel_tool_use: true } : undefined;
  } else if (requested === "none") {
    choice = { type: "none" };
  } else if (requested === "required") {
    choice = { type: "any", ...(disableParallel ? { disable_parallel_tool_use: true } : {}) };
  } else if (requested.type === "function") {
    choice = { type: "tool", name: requested.function.name, ...(disableParallel ? { disable_parallel_tool_use: true } : {}) };
  } else if (requested.type === "allowed_tools") {
    // Only the listed tools are offered, which is what "allowed" means.
    const allowed = new Set(requested.allowed_tools.tools.map(allowedName));
    tools = tools.filter((tool) => allowed.has(tool.name));
    const type = requested.allowed_tools.mode === "required" ? "any" : "auto";
    choice = { type, ...(disableParallel ? { disable_parallel_tool_use: true } : {}) };
  } else {
    throw new GatewayInputError("tool_choice for custom tools is not supported", "tool_choice");
  }

  const settings: ToolSettings = {};
  if (tools.length > 0) {
    settings.tools = tools;
    if (choice) settings.tool_choice = choice;
  }
  return withResponseFormat(req, settings);
}

function allowedName(entry: { [key: string]: unknown }): string {
  const fn = entry["function"];
  if (typeof fn === "object" && fn !== null && "name" in fn && typeof fn.name === "string") return fn.name;
  throw new GatewayInputError("tool_choice.allowed_tools.tools entries must name a function", "tool_choice");
}

function withResponseFormat(req: ChatRequest, settings: ToolSettings): ToolSettings {
  const format = req.response_format;
  // null is the spec's "no format", as undefined is.
  if (format == null || format.type === "text") return settings;
  if (format.type === "json_schema") {
    const schema = format.json_schema.schema ?? { type: "object" };
    return { ...settings, output_config: { format: { type: "json_schema", schema } } };
  }
  if (settings.tools !== undefined) {
    // A forced answer tool would stop the client's tools from ever being called.
    throw new GatewayInputError(
      "response_format json_object cannot be combined with tools for this model; use json_schema",
      "response_format",
    );
  }
  return {
    tools: [{ name: JSON_TOOL_NAME, description: "Respond with the answer as a JSON object.", input_schema: { type: "object" } }],
    tool_choice: { type: "tool", name: JSON_TOOL_NAME },
    jsonTool: JSON_TOOL_NAME,
  };
}
