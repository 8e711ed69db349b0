// A tool call's `arguments` as the object the translated upstreams take. OpenAI carries them as a
// JSON string, empty when the function takes none; how a bad one is reported is each adapter's own.

/** Why the arguments are not an object: not JSON at all, or JSON of another kind. */
export type ArgumentsFault = "invalid-json" | "not-object";

export function argumentsObject(raw: string, reject: (fault: ArgumentsFault) => Error): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw reject("invalid-json");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw reject("not-object");
  return value as Record<string, unknown>;
}
