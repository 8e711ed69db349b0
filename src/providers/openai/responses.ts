// OpenAI's Responses API on the native lane: the client's body goes out with `model` set, and
// the answer's bytes come back as they arrive; usage (`input_tokens`, `output_tokens`) is read
// from the JSON body or the stream's terminal event on the way. GET and DELETE of a stored
// response (and its input items) go to the same API. Azure serves the same API under its own
// root and key header: its adapter reuses this lane with its endpoint.
import type { Dispatcher } from "undici";
import { stringifyWith } from "../../json/source-text.ts";
import { UpstreamError } from "../errors.ts";
import { transportError } from "../transport-error.ts";
import { answerText, callUpstream, headersNamed, type UpstreamAnswer } from "../upstream-call.ts";
import type { CallOptions, NativeRequest, PassthroughResult, Usage } from "../types.ts";
import { httpError } from "./errors.ts";

export interface ResponsesEndpoint {
  readonly provider: string;
  /** The API root (`…/v1`), without a trailing slash. */
  readonly base: string;
  /** A query every call carries (Azure's dated `api-version=…`), without its `?`. */
  readonly query?: string;
  readonly dispatcher: Dispatcher;
  readonly headers: Record<string, string>;
  readonly relayedHeaders: readonly string[];
}

/** The usage of a stream is in its terminal event, near the end: this much of the tail is kept. */
const USAGE_TAIL = 16 * 1024;

export async function nativeResponses(endpoint: ResponsesEndpoint, call: NativeRequest, model: string, options: CallOptions): Promise<PassthroughResult> {
  const { provider } = endpoint;
  // A large body is the client's text with the model spliced in, when that text reads one way (source-text.ts).
  const body = call.body === undefined ? undefined : stringifyWith(call.body, { model });
  let res: UpstreamAnswer;
  try {
    res = await callUpstream(endpoint.dispatcher, urlOf(endpoint, call.path), {
      method: call.method,
      headers: { ...endpoint.headers, "x-request-id": options.requestId, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body }),
      signal: options.signal,
      relayStream: call.stream === true,
    });
  } catch (error) {
    throw transportError(provider, error, options.signal);
  }
  if (res.status >= 400) throw httpError(provider, res.status, res.headers, answerText(res));
  const headers = headersNamed(res, endpoint.relayedHeaders);
  if (res.stream !== undefined) {
    let settle!: (usage: Usage | undefined) => void;
    const usage = new Promise<Usage | undefined>((resolve) => (settle = resolve));
    return { kind: "passthrough", status: res.status, headers, body: watched(res.stream, provider, options.signal, settle), usage };
  }
  const buf = res.body;
  // Only the text from the last "usage" on is decoded: the scan reads nothing before it.
  const at = buf.lastIndexOf(USAGE_KEY);
  const usage = at < 0 ? undefined : scanResponsesUsage(buf.toString("utf8", at));
  return { kind: "passthrough", status: res.status, headers, body: [buf], usage: Promise.resolve(usage) };
}

const USAGE_KEY = Buffer.from('"usage"');

/** The upstream URL of a call: the API root, the call's path (its own query kept), the endpoint's query. */
function urlOf({ base, query }: ResponsesEndpoint, path: string): string {
  if (query === undefined) return `${base}${path}`;
  return `${base}${path}${path.includes("?") ? "&" : "?"}${query}`;
}

/**
 * Relays the stream as it comes and settles its usage once it ends, however it ends. The last
 * USAGE_TAIL bytes are kept as the chunks that hold them and decoded once at the end, rather than
 * re-joining and re-slicing a 16 KiB string on every chunk.
 */
async function* watched(body: AsyncIterable<Uint8Array>, provider: string, signal: AbortSignal, settle: (usage: Usage | undefined) => void): AsyncGenerator<Uint8Array> {
  const tail: Uint8Array[] = [];
  let kept = 0;
  try {
    for await (const chunk of body) {
      tail.push(chunk);
      kept += chunk.byteLength;
      while (tail.length > 1 && kept - (tail[0] as Uint8Array).byteLength >= USAGE_TAIL) kept -= (tail.shift() as Uint8Array).byteLength;
      yield chunk;
    }
  } catch (error) {
    const failure = transportError(provider, error, signal);
    throw failure.failure === "aborted"
      ? failure
      : new UpstreamError({ provider, status: 502, failure: "stream", message: `upstream stream broke: ${failure.message}`, cause: error });
  } finally {
    settle(scanResponsesUsage(Buffer.concat(tail).toString("utf8")));
  }
}

const INPUT = /"input_tokens"\s*:\s*(\d+)/;
const OUTPUT = /"output_tokens"\s*:\s*(\d+)/;

/** Usage from the text of a Response (or the tail of its stream); undefined when none was reported. */
export function scanResponsesUsage(text: string): Usage | undefined {
  const at = text.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const value = text.slice(at + 7).replace(/^\s*:\s*/, "");
  if (!value.startsWith("{")) return undefined;
  const input = INPUT.exec(value)?.[1];
  const output = OUTPUT.exec(value)?.[1];
  if (input === undefined || output === undefined) return undefined;
  return { prompt_tokens: Number(input), completion_tokens: Number(output), total_tokens: Number(input) + Number(output) };
}
