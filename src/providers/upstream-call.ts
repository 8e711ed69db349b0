// One upstream HTTP call over an adapter's pool, dispatched with a handler of our own instead of
// undici's `request()`: status, headers and body chunks are collected and the call settles once,
// with no Readable, async iterator, AsyncResource or URL parse per call for an answer read whole.
// An event-stream answer the caller relays is handed over, from the response's headers, as a
// Readable fed by the same handler, so streams keep their consumers (relayed-stream.ts, for await).
// Failures reject with undici's own errors (or the signal's reason), for transportError to map.
import { Readable } from "node:stream";
import { errors, type Dispatcher } from "undici";

export interface UpstreamRequest {
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The TargetCall's signal: its abort ends the call and closes the upstream socket. */
  readonly signal: AbortSignal;
  /** Whether a successful `text/event-stream` answer is handed over as a stream rather than read whole. */
  readonly relayStream?: boolean;
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The whole body; empty when it is relayed as `stream`, or when an error answer's body broke off. */
  readonly body: Buffer;
  /** The body as it arrives, for a relayed event stream. */
  readonly stream: Readable | undefined;
}

/** The answer's headers as undici parses them (a repeated one as an array). */
type IncomingHttpHeaders = Dispatcher.ResponseData["headers"];

interface Target {
  readonly origin: string;
  readonly path: string;
}

const EMPTY = Buffer.alloc(0);
const decoder = new TextDecoder();
/** The URLs adapters hold are parsed once; a call's own string is parsed per call, as undici does. */
const targets = new WeakMap<URL, Target>();

/** Sends one request; resolves once the answer is whole (or, relayed, once its headers came). */
export function callUpstream(dispatcher: Dispatcher, url: URL | string, req: UpstreamRequest): Promise<UpstreamAnswer> {
  const { origin, path } = targetOf(url);
  return new Promise((resolve, reject) => {
    const handler = new AnswerHandler(req.signal, req.relayStream === true, resolve, reject);
    dispatcher.dispatch(
      { origin, path, method: req.method, headers: req.headers, body: req.body ?? null, headersTimeout: 0, bodyTimeout: 0 },
      handler,
    );
  });
}

/** The answer's headers among `names` (those the client may see), as a passthrough result carries them. */
export function headersNamed(answer: UpstreamAnswer, names: readonly string[]): Record<string, string | string[] | undefined> {
  const picked: Record<string, string | string[] | undefined> = {};
  for (const name of names) if (answer.headers[name] !== undefined) picked[name] = answer.headers[name];
  return picked;
}

/** Where a whole JSON answer's usage is: its last 2 KB, decoded alone (usage comes last). */
export function answerTail(body: Buffer): string {
  return body.toString("utf8", Math.max(0, body.length - USAGE_TAIL_BYTES));
}

const USAGE_TAIL_BYTES = 2048;

/** An error answer's body as text (a BOM dropped, as undici's `text()` and TextDecoder do). */
export function answerText(answer: UpstreamAnswer): string {
  return decoder.decode(answer.body);
}

function targetOf(url: URL | string): Target {
  if (typeof url === "string") return targetFrom(new URL(url));
  let target = targets.get(url);
  if (target === undefined) targets.set(url, (target = targetFrom(url)));
  return target;
}

function targetFrom(url: URL): Target {
  return { origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname };
}

class AnswerHandler implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal;
  readonly #relay: boolean;
  readonly #resolve: (answer: UpstreamAnswer) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  /** The signal's reason, when it fired before the request was written. */
  #reason: unknown;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #stream: UpstreamBody | undefined;
  #listening = false;

  constructor(signal: AbortSignal, relay: boolean, resolve: (answer: UpstreamAnswer) => void, reject: (error: unknown) => void) {
    this.#signal = signal;
    this.#relay = relay;
    this.#resolve = resolve;
    this.#reject = reject;
    if (signal.aborted) this.#reason = signal.reason ?? new errors.RequestAbortedError();
    else {
      signal.addEventListener("abort", this);
      this.#listening = true;
    }
  }

  /** The signal fired: the stream (if handed over) or the request is torn down with its reason. */
  handleEvent(): void {
    const reason: unknown = this.#signal.reason ?? new errors.RequestAbortedError();
    const stream = this.#stream;
    if (stream !== undefined) {
      this.#stream = undefined;
      stream.on("error", ignore).destroy(reason as Error);
    } else if (this.#controller !== undefined) this.#controller.abort(reason as Error);
    else this.#reason = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#reason !== undefined) controller.abort(this.#reason as Error);
    else this.#controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return; // informational: the answer is still to come
    this.#status = status;
    this.#headers = headers;
    if (!this.#relay || status >= 400 || !String(headers["content-type"] ?? "").includes("text/event-stream")) return;
    const stream = new UpstreamBody(controller, this);
    this.#stream = stream;
    this.#resolve({ status, headers, body: EMPTY, stream });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const stream = this.#stream;
    if (stream === undefined) this.#chunks.push(chunk);
    else if (!stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    const stream = this.#stream;
    if (stream !== undefined) {
      stream.push(null);
      return;
    }
    this.#release();
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    this.#resolve({ status: this.#status, headers: this.#headers, body, stream: undefined });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    const stream = this.#stream;
    if (stream !== undefined) {
      this.#stream = undefined;
      // After the handlers queued so far, as undici's own request handler does.
      queueMicrotask(() => stream.on("error", ignore).destroy(error));
      return;
    }
    this.#release();
    // An error answer whose body broke off is still that answer (its body read as empty, as the
    // lanes read it before); any other failure fails the call.
    if (this.#status >= 400) this.#resolve({ status: this.#status, headers: this.#headers, body: EMPTY, stream: undefined });
    else this.#reject(error);
  }

  /** The handed-over stream closed: the signal no longer concerns this call. */
  streamClosed(): void {
    this.#stream = undefined;
    this.#release();
  }

  #release(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#signal.removeEventListener("abort", this);
  }
}

/** A relayed answer's body: pulls resume the socket, a destroy before its end aborts the request. */
class UpstreamBody extends Readable {
  readonly #controller: Dispatcher.DispatchController;
  readonly #owner: AnswerHandler;

  constructor(controller: Dispatcher.DispatchController, owner: AnswerHandler) {
    super({ highWaterMark: 64 * 1024 });
    this.#controller = controller;
    this.#owner = owner;
  }

  override _read(): void {
    this.#controller.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#owner.streamClosed();
    // Left before its end (a consumer stopped reading): the request is aborted and its socket closed.
    const failure = error ?? (this.readableEnded ? null : new errors.RequestAbortedError());
    if (failure !== null) this.#controller.abort(failure);
    callback(failure);
  }
}

function ignore(): void {}
