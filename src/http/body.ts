// Reads the request body straight from the Node stream (no Web-stream conversion), enforcing
// the size limit as bytes arrive and an idle deadline between them, and parses JSON exactly once.
import type { IncomingMessage } from "node:http";
import { rememberSource } from "../json/source-text.ts";
import { CLIENT_CLOSED_STATUS } from "../telemetry/outcome.ts";
import { GatewayError, invalidRequest } from "./errors.ts";
import { fieldNestedTooDeep, MAX_JSON_DEPTH } from "./json-depth.ts";

/**
 * The parsed body. `idleMs` bounds the wait for each next byte, not the whole upload: a slow
 * link keeps going, a client that stopped sending frees its slot (408).
 */
export async function readJsonBody(incoming: IncomingMessage, limit: number, idleMs: number): Promise<unknown> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > limit) throw tooLarge(limit);
  const { chunks, size } = await collect(incoming, limit, idleMs);
  if (size === 0) throw invalidRequest("request body is empty: expected a JSON object");
  const text = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`request body is not valid JSON: ${jsonProblem((error as Error).message, text.length)}`, undefined, "invalid_json");
  }
  const tooDeep = fieldNestedTooDeep(body);
  if (tooDeep !== undefined) {
    throw invalidRequest(`request body nests deeper than ${MAX_JSON_DEPTH} levels${tooDeep === null ? "" : ` in ${tooDeep}`}`, tooDeep ?? undefined, "nesting_too_deep");
  }
  rememberSource(body, text);
  return body;
}

/**
 * What is wrong and where, without the body's text: V8's messages quote a few characters
 * around the fault ("Unexpected token 'x', \"my secret\"... is not valid JSON"), and the
 * message reaches the log, where a prompt must never appear.
 */
function jsonProblem(message: string, length: number): string {
  const located = /^(.*) in JSON at position (\d+)/.exec(message);
  // A quote means V8 cited the body after all: fall through rather than pass it on.
  if (located && !located[1]?.includes('"')) return `${located[1]} at position ${located[2]}`;
  if (message.startsWith("Unexpected end of JSON input")) return `unexpected end of input at position ${length}`;
  if (message.startsWith("Unexpected token")) return "unexpected token";
  return "malformed JSON";
}

/**
 * Event listeners rather than an async iterator: this runs on every request. Once the body has
 * ended they are left on the message (no event but a harmless `close` follows, and the flag
 * makes any late one a no-op) instead of paying four removals per request; a failure removes
 * them, so whatever drains the rest of the body is not fed to them.
 */
function collect(incoming: IncomingMessage, limit: number, idleMs: number): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    // Gone before anyone read a byte: no event will come.
    if (incoming.destroyed) {
      reject(clientGone());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
      reject(error);
    };
    const idle = setTimeout(() => fail(stalled(idleMs)), idleMs);
    const onData = (chunk: Buffer) => {
      if (settled) return;
      idle.refresh();
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      resolve({ chunks, size });
    };
    // The client went away before the body was complete: Node reports it as an error
    // ("aborted", ECONNRESET) or only as a close, depending on timing.
    const onError = () => fail(clientGone());
    const onClose = () => {
      if (!incoming.complete) fail(clientGone());
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

/** Nobody is left to read this: the status is for the log and the metrics (nginx's 499). */
const clientGone = () =>
  new GatewayError(CLIENT_CLOSED_STATUS, "invalid_request_error", "client closed the connection before the request body was complete", {
    code: "client_abort",
    retryable: false,
  });

// The connection closes after the answer: the rest of the body may still be on its way.
const stalled = (idleMs: number) =>
  new GatewayError(408, "invalid_request_error", `request body stalled: no bytes for ${idleMs} ms`, {
    code: "body_timeout",
    headers: { connection: "close" },
  });

const tooLarge = (limit: number) =>
  new GatewayError(413, "request_too_large", `request body is larger than the limit of ${limit} bytes`, {
    code: "request_too_large",
    retryable: false,
  });
