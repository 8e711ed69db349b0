// One http(s) image fetched under the policy's size and time limits. Whatever the server does
// (an error status, a body larger than allowed, silence, a reset half-way), the caller gets a
// GatewayInputError and the response body is released without leaving an error to escape.
import type { Readable } from "node:stream";
import { getGlobalDispatcher, request, type Dispatcher } from "undici";
import { GatewayInputError } from "../input-error.ts";
import type { ImagePolicy, InlineImage } from "../images.ts";
import { publicOnlyAgent } from "./public-only-agent.ts";

/**
 * The one message for every way a fetch fails before an answer (refused, unreachable, reset,
 * timed out): telling them apart would let a prompt map hosts and ports it cannot see.
 */
const UNFETCHABLE = "image_url could not be fetched (refused, unreachable, timed out or not allowed)";

export const tooLarge = (maxBytes: number) => new GatewayInputError(`image is larger than ${maxBytes} bytes`, "messages");

/**
 * Fetches `url`; the caller's `signal` aborting (the client left) rejects with its own reason.
 * Redirects are not followed, so the address policy holds for the one connection made.
 */
export async function fetchImage(url: URL, policy: ImagePolicy, signal: AbortSignal): Promise<InlineImage> {
  try {
    const res = await request(url, {
      method: "GET",
      signal: AbortSignal.any([signal, AbortSignal.timeout(policy.timeout_ms)]),
      headers: { accept: "image/*" },
      dispatcher: policy.allow_private_hosts ? getGlobalDispatcher() : publicOnlyAgent(),
    });
    return await readImage(res, policy.max_bytes);
  } catch (error) {
    if (signal.aborted || error instanceof GatewayInputError) throw error;
    throw new GatewayInputError(UNFETCHABLE, "messages");
  }
}

async function readImage(res: Dispatcher.ResponseData, maxBytes: number): Promise<InlineImage> {
  const body: Readable = res.body;
  // From here to its end the body always has an error listener: a body destroyed, aborted by
  // the deadline or reset after we stop reading it still reports an 'error' event, and one with
  // no listener is an uncaught exception that ends the process.
  body.on("error", ignore);
  try {
    if (res.statusCode !== 200) {
      throw new GatewayInputError(`fetching image_url returned HTTP ${res.statusCode} (only 200 is accepted; redirects are not followed)`, "messages");
    }
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      parts.push(buf);
    }
    const type = res.headers["content-type"];
    const mimeType = (Array.isArray(type) ? type[0] : type)?.split(";")[0]?.trim() || "image/jpeg";
    return { mimeType, data: Buffer.concat(parts).toString("base64") };
  } finally {
    // A body read to its end is already done; any other is cut here, closing its connection.
    body.destroy();
  }
}

function ignore(): void {}
