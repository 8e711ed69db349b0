// Reads the request body straight from the Node stream (no Web-stream conversion), enforcing
// the size limit as bytes arrive, and parses JSON exactly once.
import type { IncomingMessage } from "node:http";
import { GatewayError, invalidRequest } from "./errors.ts";

export async function readJsonBody(incoming: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buf);
  }
  if (size === 0) throw invalidRequest("request body is empty: expected a JSON object");
  const text = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`request body is not valid JSON: ${(error as Error).message}`, undefined, "invalid_json");
  }
}

const tooLarge = (limit: number) =>
  new GatewayError(413, "request_too_large", `request body is larger than the limit of ${limit} bytes`, {
    code: "request_too_large",
    retryable: false,
  });
