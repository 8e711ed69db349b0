// OpenAI `tools` / `tool_choice` (and the legacy `functions` / `function_call`) as Gemini
// `functionDeclarations` and `functionCallingConfig`.
import { FunctionCallingConfigMode, type FunctionDeclaration, type Tool, type ToolConfig } from "@google/genai";
import type { ChatRequest } from "../types.ts";
import { GatewayInputError } from "../input-error.ts";
import { toGeminiSchema } from "./schema.ts";

export interface GeminiTools {
  tools?: Tool[];
  toolConfig?: ToolConfig;
}

interface FunctionSpec {
  name: string;
  description?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
}

export function toGeminiTools(req: ChatRequest): GeminiTools {
  const specs = functionSpecs(req);
  const choice = toolChoice(req, specs);
  if (specs.length === 0) return {}; // "none" / "auto" without tools: nothing to configure
  if (choice === undefined) return { tools: [{ functionDeclarations: specs.map(declaration) }] };

  const offered = choice.offer ? specs.filter((s) => choice.offer?.includes(s.name)) : specs;
  const out: GeminiTools = {
    toolConfig: {
      functionCallingConfig: { mode: choice.mode, ...(choice.allowed ? { allowedFunctionNames: choice.allowed } : {}) },
    },
  };
  if (offered.length > 0) out.tools = [{ functionDeclarations: offered.map(declaration) }];
  return out;
}

function functionSpecs(req: ChatRequest): FunctionSpec[] {
  const specs: FunctionSpec[] = [];
  for (const tool of req.tools ?? []) {
    if (tool.type !== "function") {
      throw new GatewayInputError(`tools of type "${tool.type}" are not supported by this provider`, "tools");
    }
    specs.push(tool.function);
  }
  for (const fn of req.functions ?? []) specs.push(fn);
  return specs;
}

function declaration(spec: FunctionSpec): FunctionDeclaration {
  return {
    name: spec.name,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.parameters === undefined ? {} : { parametersJsonSchema: toGeminiSchema(spec.parameters) }),
  };
}

interface Choice {
  mode: FunctionCallingConfigMode;
  /** `allowedFunctionNames`, which Gemini honours in ANY mode only. */
  allowed?: string[];
  /** Declare only these functions (a subset in AUTO mode). */
  offer?: string[];
}

function toolChoice(req: ChatRequest, specs: FunctionSpec[]): Choice | undefined {
  const param = req.tool_choice !== undefined ? "tool_choice" : "function_call";
  const choice = req.tool_choice ?? req.function_call;
  if (choice == null) return undefined;

  const known = (name: string) => {
    if (!specs.some((s) => s.name === name)) {
      throw new GatewayInputError(`${param} names function "${name}", which is not among the tools`, param);
    }
    return name;
  };
  const needTools = () => {
    if (specs.length === 0) throw new GatewayInputError(`${param} requires tools`, param);
  };

  if (choice === "none") return { mode: FunctionCallingConfigMode.NONE };
  if (choice === "auto") return { mode: FunctionCallingConfigMode.AUTO };
  if (choice === "required") {
    needTools();
    return { mode: FunctionCallingConfigMode.ANY };
  }
  if ("name" in choice) return { mode: FunctionCallingConfigMode.ANY, allowed: [known(choice.name)] };
  switch (choice.type) {
    case "function":
      // ANY with a single allowed function: Gemini's way of forcing one named call.
      return { mode: FunctionCallingConfigMode.ANY, allowed: [known(choice.function.name)] };
    case "allowed_tools": {
      const names = choice.allowed_tools.tools.map((t) => allowedName(t, param)).map(known);
      return choice.allowed_tools.mode === "required"
        ? { mode: FunctionCallingConfigMode.ANY, allowed: names }
        : { mode: FunctionCallingConfigMode.AUTO, offer: names };
    }
    default:
      throw new GatewayInputError(`${param} of type "${choice.type}" is not supported by this provider`, param);
  }
}

function allowedName(tool: Record<string, unknown>, param: string): string {
  const fn = tool["function"];
  const name = typeof fn === "object" && fn !== null ? (fn as Record<string, unknown>)["name"] : undefined;
  if (tool["type"] !== "function" || typeof name !== "string") {
    throw new GatewayInputError(`${param}.allowed_tools may only list function tools`, param);
  }
  return name;
}
