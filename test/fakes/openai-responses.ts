// Fake OpenAI Responses upstream (`POST /v1/responses`, JSON and SSE events in the spec's order,
// `GET`/`DELETE /v1/responses/{id}`, `GET ?stream=true` replaying the events, input_items), for
// the Responses door's native lane. Every response it creates is kept, so follow-ups can be
// checked against the upstream that made them. The API root is a parameter: Azure serves the
// same API under `/openai/v1` (see azure.ts).
import { randomBytes } from "node:crypto";
import { openaiProtocol } from "./openai.ts";
import { FakeUpstream, splitArguments, splitText, type Protocol, type RecordedRequest, type ScriptedReply } from "./fake-upstream.ts";

type Json = Record<string, unknown>;

const bodyOf = (req: RecordedRequest): Json => (typeof req.body === "object" && req.body !== null ? (req.body as Json) : {});

function responseOf(reply: ScriptedReply, req: RecordedRequest, id: string, text: string): Json {
  const body = bodyOf(req);
  const usage = reply.usage ?? { prompt: 0, completion: 0 };
  return {
    id,
    object: "response",
    created_at: 1_700_000_000,
    status: "completed",
    completed_at: 1_700_000_001,
    error: null,
    incomplete_details: null,
    instructions: body["instructions"] ?? null,
    model: reply.model ?? body["model"] ?? "gpt-fake",
    output: outputOf(reply, id, text),
    parallel_tool_calls: true,
    previous_response_id: body["previous_response_id"] ?? null,
    store: body["store"] ?? true,
    tools: body["tools"] ?? [],
    tool_choice: "auto",
    temperature: 1,
    top_p: 1,
    metadata: {},
    usage: {
      input_tokens: usage.prompt,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: usage.completion,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.prompt + usage.completion,
    },
  };
}

type Event = Json & { type: string; sequence_number: number };

/** A message item with the text (unless the reply is only tool calls), then a function_call item per call. */
function outputOf(reply: ScriptedReply, id: string, text: string): Json[] {
  const calls = reply.toolCalls ?? [];
  const message = { id: `msg_${id.slice(5)}`, type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] };
  const functionCalls = calls.map((call, i) => ({
    id: `fc_${id.slice(5)}_${i}`,
    type: "function_call",
    status: "completed",
    call_id: call.id ?? `call_${id.slice(5, 17)}_${i}`,
    name: call.name,
    arguments: JSON.stringify(call.arguments),
  }));
  return [...(text !== "" || calls.length === 0 ? [message] : []), ...functionCalls];
}

/** The events that stream `done`, item by item, numbered from 0. */
function eventsOf(done: Json, reply: ScriptedReply): Event[] {
  const opening = { ...done, status: "in_progress", output: [], usage: null, completed_at: null };
  const events: Event[] = [];
  const add = (type: string, fields: Json) => events.push({ type, ...fields, sequence_number: events.length });
  add("response.created", { response: opening });
  add("response.in_progress", { response: opening });
  (done["output"] as Json[]).forEach((item, index) => {
    if (item["type"] === "function_call") {
      const where = { item_id: item["id"], output_index: index };
      add("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", arguments: "" } });
      for (const piece of splitArguments(item["arguments"] as string)) add("response.function_call_arguments.delta", { ...where, delta: piece });
      add("response.function_call_arguments.done", { ...where, name: item["name"], arguments: item["arguments"] });
      add("response.output_item.done", { output_index: index, item });
      return;
    }
    const part = (item["content"] as Json[])[0] as Json;
    const text = part["text"] as string;
    const where = { item_id: item["id"], output_index: index, content_index: 0 };
    add("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", content: [] } });
    add("response.content_part.added", { ...where, part: { type: "output_text", text: "", annotations: [], logprobs: [] } });
    for (const piece of splitText(text, reply.pieces)) add("response.output_text.delta", { ...where, delta: piece, logprobs: [] });
    add("response.output_text.done", { ...where, text, logprobs: [] });
    add("response.content_part.done", { ...where, part });
    add("response.output_item.done", { output_index: index, item });
  });
  add("response.completed", { response: done });
  return events;
}

const frameOf = (event: Event): string => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

export const startOpenAIResponsesFake = (): Promise<FakeUpstream> => FakeUpstream.start(responsesProtocol("/v1", openaiProtocol));

/** The Responses API served under `root` (e.g. `/v1`), other routes and error bodies as `base` has them. */
export function responsesProtocol(root: string, base: Protocol): Protocol {
  const created = new Map<string, Json>();
  const newId = () => `resp_${randomBytes(12).toString("hex")}`;
  const createPath = `${root}/responses`;
  const stored = new RegExp(`^${root}/responses/([^/]+)(/input_items)?$`);
  return {
    ...base,
    name: `${base.name}-responses`,
    classify(req) {
      if (req.method === "POST" && req.path === createPath) return { chat: true, stream: bodyOf(req)["stream"] === true };
      if (req.method === "GET" && stored.exec(req.path)?.[2] === undefined && req.query.get("stream") === "true") return { chat: true, stream: true };
      return base.classify(req);
    },
    renderJson(reply, req) {
      if (req.path !== createPath) return base.renderJson(reply, req);
      const response = responseOf(reply, req, newId(), reply.text ?? "");
      created.set(response["id"] as string, response);
      return { status: 200, body: response };
    },
    renderStream(reply, req) {
      // `GET {root}/responses/{id}?stream=true`: the events of a response it created, replayed.
      const replayed = req.method === "GET" ? stored.exec(req.path)?.[1] : undefined;
      if (replayed !== undefined) {
        const after = Number(req.query.get("starting_after") ?? -1);
        const done = created.get(replayed);
        return done === undefined ? [] : eventsOf(done, reply).filter((event) => event.sequence_number > after).map(frameOf);
      }
      if (req.path !== createPath) return base.renderStream(reply, req);
      const done = responseOf(reply, req, newId(), reply.text ?? "");
      created.set(done["id"] as string, done);
      return eventsOf(done, reply).map(frameOf);
    },
    other(req) {
      const match = stored.exec(req.path);
      if (!match) return base.other?.(req);
      const id = match[1] as string;
      const response = created.get(id);
      if (!response) return { status: 404, body: { error: { message: `Response with id '${id}' not found.`, type: "invalid_request_error", param: null, code: null } } };
      if (req.method === "DELETE") {
        created.delete(id);
        return { status: 200, body: { id, object: "response.deleted", deleted: true } };
      }
      if (match[2]) return { status: 200, body: { object: "list", data: [], first_id: null, last_id: null, has_more: false } };
      return { status: 200, body: response };
    },
  };
}
