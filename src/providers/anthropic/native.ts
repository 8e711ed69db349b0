// The native lane: a Messages body from the Anthropic front door goes upstream as the client
// sent it with only `model` set (a large one as its very text, source-text.ts), over undici on
// the adapter's pool (no SDK, no Web streams), and the upstream's bytes come back as they
// arrive, pings and unknown events included. The client's `anthropic-*` headers travel
// unchanged: the beta list is open, never filtered here.
import type { Dispatcher } from "undici";
import { stringifyWith } from "../../json/source-text.ts";
import { parseErrorEnvelope } from "../error-envelope.ts";
import { parseRetryAfter, UpstreamError } from "../errors.ts";
import { transportError } from "../transport-error.ts";
import { guardedBody } from "../guarded-body.ts";
import { answerTail, answerText, callUpstream, headersNamed, type UpstreamAnswer } from "../upstream-call.ts";
import type { CallOptions, NativeRequest, PassthroughResult } from "../types.ts";
import { canonicalUsage, scanMessagesUsage, watchStreamUsage } from "./usage-scan.ts";

export interface NativeEndpoint {
  readonly provider: string;
  /** The bare host, as the SDK takes it. */
  readonly baseUrl: string;
  /** The URLs every request uses, parsed once: both endpoints, bare and with Claude Code's `?beta=true`. */
  readonly urls: ReadonlyMap<string, URL>;
  readonly dispatcher: Dispatcher;
  /** Credentials and configured extra headers. */
  readonly headers: Readonly<Record<string, string>>;
}

const DEFAULT_VERSION = "2023-06-01";
/** Answer headers the client needs; the gateway sets its own request id and rate-limit headers. */
const RELAYED_HEADERS = ["content-type"];

/** The usual URLs of a base URL, for `NativeEndpoint.urls`. */
export function nativeUrls(baseUrl: string): ReadonlyMap<string, URL> {
  // Keyed by the path under the host, as the request builds it below.
  const paths = ["/v1/messages", "/v1/messages/count_tokens"].flatMap((path) => [path, `${path}?beta=true`]);
  return new Map(paths.map((path) => [path, new URL(`${baseUrl}${path}`)]));
}

/** One Messages call (`/messages`, `/messages/count_tokens`), forwarded as the client made it. */
export async function callNative(endpoint: NativeEndpoint, req: NativeRequest, model: string, call: CallOptions): Promise<PassthroughResult> {
  const { provider } = endpoint;
  const path = `/v1${req.path}`;
  let res: UpstreamAnswer;
  try {
    res = await callUpstream(endpoint.dispatcher, endpoint.urls.get(path) ?? `${endpoint.baseUrl}${path}`, {
      method: req.method,
      headers: {
        "anthropic-version": DEFAULT_VERSION,
        ...req.headers,
        ...endpoint.headers,
        "content-type": "application/json",
        "x-request-id": call.requestId,
      },
      // A large body is the client's text with the model spliced in, when that text reads one way (source-text.ts).
      body: stringifyWith(req.body ?? {}, { model }),
      signal: call.signal,
      // An event stream is relayed as it comes; a complete JSON answer is read whole (it is
      // bounded) so a failure surfaces before any byte is sent.
      relayStream: true,
    });
  } catch (error) {
    throw transportError(provider, error, call.signal);
  }
  if (res.status >= 400) {
    const body = parseErrorEnvelope(answerText(res));
    throw new UpstreamError({
      provider,
      status: res.status,
      failure: "http",
      // The upstream's own words: Claude Code's recovery matches on them.
      message: body?.message ?? `HTTP ${res.status}`,
      retryAfterMs: parseRetryAfter(res.headers["retry-after"], res.headers["retry-after-ms"]),
      body,
    });
  }
  const headers = headersNamed(res, RELAYED_HEADERS);
  if (res.stream !== undefined) {
    const watched = watchStreamUsage(guardedBody(res.stream, provider, call.signal));
    return { kind: "passthrough", status: res.status, headers, body: watched.body, usage: watched.usage };
  }
  const buf = res.body;
  // A token count generates nothing: only a message carries usage.
  const scanned = req.path.startsWith("/messages/count_tokens") ? undefined : scanMessagesUsage(answerTail(buf));
  return { kind: "passthrough", status: res.status, headers, body: [buf], usage: Promise.resolve(scanned && canonicalUsage(scanned)) };
}
