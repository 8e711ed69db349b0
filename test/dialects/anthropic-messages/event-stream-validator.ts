// A strict reader of an Anthropic Messages event stream, as unforgiving as Claude Code: every
// frame has an `event:` line naming its data's type; message_start comes first; a block is
// started before its deltas, only one is open at a time, indexes count up from 0, and each is
// stopped before the next starts; deltas match their block's type; no text block is empty;
// message_delta (with stop_reason and usage) follows the last block; message_stop is last, and
// nothing follows it. Returns the message the stream builds, tool inputs parsed from their
// concatenated input_json_delta fragments.
interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}
type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown } | { type: string; [field: string]: unknown };

export interface BuiltMessage {
  id: string;
  model: string;
  content: Block[];
  stop_reason: string;
  usage: Usage;
  /** How many pings arrived. */
  pings: number;
}

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

export function parseFrames(text: string): Frame[] {
  if (text.includes("[DONE]")) throw new Error("a Messages stream has no [DONE]");
  return text
    .split(/\r?\n\r?\n/)
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (event === undefined) throw new Error(`frame without an event line: ${frame}`);
      const parsed = JSON.parse(data) as Record<string, unknown>;
      if (parsed["type"] !== event) throw new Error(`event line '${event}' names data of type '${String(parsed["type"])}'`);
      return { event, data: parsed };
    });
}

export function validateEventStream(text: string): BuiltMessage {
  const frames = parseFrames(text);
  let message: BuiltMessage | undefined;
  let open: { index: number; block: Block; json: string } | undefined;
  let stopped = false;
  let delta: { stop_reason: string; usage: Usage } | undefined;
  let pings = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} (at frame ${JSON.stringify(frames.map((f) => f.event))})`);
  };
  for (const { event, data } of frames) {
    if (stopped) fail(`'${event}' after message_stop`);
    if (event === "ping") {
      pings += 1;
      continue;
    }
    if (event === "error") fail(`error event: ${JSON.stringify(data["error"])}`);
    if (!message && event !== "message_start") fail(`'${event}' before message_start`);
    switch (event) {
      case "message_start": {
        if (message) fail("a second message_start");
        const m = data["message"] as Record<string, unknown>;
        const usage = m["usage"] as Usage | undefined;
        if (!usage || typeof usage.input_tokens !== "number" || typeof usage.output_tokens !== "number") fail("message_start without usage");
        if (!Array.isArray(m["content"]) || m["content"].length !== 0) fail("message_start with content");
        message = { id: String(m["id"]), model: String(m["model"]), content: [], stop_reason: "", usage: usage as Usage, pings: 0 };
        break;
      }
      case "content_block_start": {
        if (delta) fail("a block after message_delta");
        if (open) fail(`block ${String(data["index"])} started while block ${open.index} is open`);
        const index = data["index"];
        if (index !== message?.content.length) fail(`block index ${String(index)}, expected ${message?.content.length}`);
        const block = { ...(data["content_block"] as Block) };
        if (block.type === "text" && block["text"] !== "") fail("a text block must start empty");
        open = { index: index as number, block, json: "" };
        break;
      }
      case "content_block_delta": {
        if (!open || data["index"] !== open.index) fail(`delta for block ${String(data["index"])}, which is not open`);
        const d = data["delta"] as Record<string, unknown>;
        const block = (open as { block: Block }).block;
        if (d["type"] === "text_delta" && block.type === "text") (block as { text: string }).text += String(d["text"]);
        else if (d["type"] === "input_json_delta" && block.type === "tool_use") (open as { json: string }).json += String(d["partial_json"]);
        else fail(`${String(d["type"])} in a ${block.type} block`);
        break;
      }
      case "content_block_stop": {
        if (!open || data["index"] !== open.index) fail(`stop for block ${String(data["index"])}, which is not open`);
        const { block, json } = open as { block: Block; json: string };
        if (block.type === "text" && (block as { text: string }).text === "") fail("an empty text block");
        if (block.type === "tool_use") (block as { input: unknown }).input = JSON.parse(json === "" ? "{}" : json);
        message?.content.push(block);
        open = undefined;
        break;
      }
      case "message_delta": {
        if (open) fail("message_delta while a block is open");
        if (delta) fail("a second message_delta");
        const d = data["delta"] as Record<string, unknown>;
        const usage = data["usage"] as Usage | undefined;
        if (typeof d["stop_reason"] !== "string") fail("message_delta without stop_reason");
        if (!usage || typeof usage.output_tokens !== "number") fail("message_delta without usage");
        delta = { stop_reason: d["stop_reason"] as string, usage: usage as Usage };
        break;
      }
      case "message_stop":
        if (!delta) fail("message_stop before message_delta");
        stopped = true;
        break;
      default:
        fail(`unknown event '${event}'`);
    }
  }
  if (!stopped || !message || !delta) return fail("the stream did not end with message_stop");
  return { ...message, stop_reason: delta.stop_reason, usage: { ...message.usage, ...delta.usage }, pings };
}
