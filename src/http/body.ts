// Reads the request body straight from the Node stream (no Web-stream conversion), enforcing
// the size limit as bytes arrive, and parses JSON exactly once.
import type { IncomingMessage } from "node:http";
import { GatewayError, invalidRequest } from "./errors.ts";
import { fieldNestedTooDeep, MAX_JSON_DEPTH } from "./json-depth.ts";

export async function readJsonBody(incoming: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > limit) throw tooLarge(limit);
  const { chunks, size } = await collect(incoming, limit);
  if (size === 0) throw invalidRequest("request body is empty: expected a JSON object");
  const text = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`request body is not valid JSON: ${(error as Error).message}`, undefined, "invalid_json");
  }
  const tooDeep = fieldNestedTooDeep(body);
  if (tooDeep !== undefined) {
    throw invalidRequest(`request body nests deeper than ${MAX_JSON_DEPTH} levels${tooDeep === null ? "" : ` in ${tooDeep}`}`, tooDeep ?? undefined, "nesting_too_deep");
  }
  return body;
}

/** Event listeners rather than an async iterator: this runs on every request. */
function collect(incoming: IncomingMessage, limit: number): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
      if (error) reject(error);
      else resolve({ chunks, size });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(error);
    // The client went away before the body was complete.
    const onClose = () => {
      if (!incoming.complete) done(invalidRequest("request body was cut short"));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

const tooLarge = (limit: number) =>
  new GatewayError(413, "request_too_large", `request body is larger than the limit of ${limit} bytes`, {
    code: "request_too_large",
    retryable: false,
  });
