// Usage from OpenAI-shaped bytes without parsing whole payloads: the usage object is small and
// comes last, so a scan from its key is enough and stays cheap on large responses.
import type { Usage } from "../types.ts";

const PROMPT = /"prompt_tokens"\s*:\s*(\d+)/;
const COMPLETION = /"completion_tokens"\s*:\s*(\d+)/;
const TOTAL = /"total_tokens"\s*:\s*(\d+)/;

/** Usage from the text of a completion or a chunk; undefined when it has none (or `usage: null`). */
export function scanUsage(text: string): Usage | undefined {
  const at = text.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const rest = text.slice(at + 7).trimStart();
  if (!rest.startsWith(":")) return undefined;
  const value = rest.slice(1).trimStart();
  if (!value.startsWith("{")) return undefined;
  const prompt = PROMPT.exec(value)?.[1];
  const completion = COMPLETION.exec(value)?.[1];
  if (prompt === undefined || completion === undefined) return undefined;
  const total = TOTAL.exec(value)?.[1];
  const p = Number(prompt);
  const c = Number(completion);
  return { prompt_tokens: p, completion_tokens: c, total_tokens: total === undefined ? p + c : Number(total) };
}
