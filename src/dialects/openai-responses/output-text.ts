// The text a Responses answer carries, for `logging.bodies` on the native lane, where the
// upstream's bytes are relayed rather than built: a Response's `output_text` parts, or a
// stream's `response.output_text.delta` events (its terminal response when it sent no deltas).
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** `body` is a Response (JSON) or, when `streamed`, the SSE text of its events. */
export function responsesText(body: string, streamed: boolean): string {
  if (!streamed) return outputText(parse(body));
  let deltas = "";
  let terminal: unknown;
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const event = parse(line.slice(5).trim());
    if (!isObject(event)) continue;
    if (event["type"] === "response.output_text.delta" && typeof event["delta"] === "string") deltas += event["delta"];
    else if (isObject(event["response"])) terminal = event["response"];
  }
  return deltas !== "" ? deltas : outputText(terminal);
}

/** The output_text parts of a Response's message items, one message per paragraph. */
function outputText(response: unknown): string {
  if (!isObject(response) || !Array.isArray(response["output"])) return "";
  const messages = response["output"].filter((item): item is Json => isObject(item) && item["type"] === "message");
  return messages
    .map((item) => (Array.isArray(item["content"]) ? item["content"] : []).map((part: unknown) => (isObject(part) && part["type"] === "output_text" && typeof part["text"] === "string" ? part["text"] : "")).join(""))
    .join("\n\n");
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // a cut-off event at the capture limit: what came before is still worth logging
    return undefined;
  }
}
