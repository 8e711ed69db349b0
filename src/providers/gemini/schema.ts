// JSON Schemas from OpenAI requests (tool parameters, response_format) as Gemini takes them in
// `parametersJsonSchema` / `responseJsonSchema`. Gemini reads most of JSON Schema there
// (additionalProperties, $ref/$defs, anyOf included) but not the `$schema` dialect marker,
// which generated schemas (zod, pydantic) often carry; it is dropped wherever it is a keyword.

const SCHEMA_MAPS = ["properties", "$defs", "definitions", "patternProperties"] as const;
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const SCHEMA_VALUES = ["items", "additionalProperties", "not", "if", "then", "else", "contains"] as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function toGeminiSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema") continue;
    out[key] = value;
  }
  for (const key of SCHEMA_MAPS) {
    const map = out[key];
    if (isObject(map)) {
      out[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, toGeminiSchema(sub)]));
    }
  }
  for (const key of SCHEMA_LISTS) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map(toGeminiSchema);
  }
  for (const key of SCHEMA_VALUES) {
    if (key in out) out[key] = Array.isArray(out[key]) ? (out[key] as unknown[]).map(toGeminiSchema) : toGeminiSchema(out[key]);
  }
  return out;
}
