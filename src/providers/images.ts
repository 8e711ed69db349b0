// Image content parts for providers that cannot take an image by URL: data URLs are decoded,
// http(s) URLs are fetched with a size and time limit (images/fetch-image.ts). Only public
// addresses are connected to unless private hosts are explicitly allowed, so a prompt cannot
// make the gateway probe its own network (images/address-guard.ts, images/public-only-agent.ts).
import { GatewayInputError } from "./input-error.ts";
import { fetchImage, tooLarge } from "./images/fetch-image.ts";

export interface ImagePolicy {
  readonly allow_private_hosts: boolean;
  readonly max_bytes: number;
  readonly timeout_ms: number;
}

export interface InlineImage {
  mimeType: string;
  /** Base64, without the data-URL prefix. */
  data: string;
}

const DATA_URL = /^data:([^;,]+)?(;[^,]*)?,(.*)$/s;

/** Decodes a `data:` URL; undefined when `url` is not one. */
export function parseDataUrl(url: string): InlineImage | undefined {
  if (!url.startsWith("data:")) return undefined;
  const match = DATA_URL.exec(url);
  if (!match) throw new GatewayInputError(`malformed data URL in image_url`, "messages");
  const mimeType = match[1] ?? "application/octet-stream";
  const isBase64 = (match[2] ?? "").split(";").includes("base64");
  const payload = match[3] ?? "";
  const data = isBase64 ? payload : percentDecoded(payload).toString("base64");
  return { mimeType, data };
}

/**
 * A data URL's percent-encoded payload as the bytes it stands for (`%ff` is a byte, not UTF-8
 * text, so decodeURIComponent would throw on binary data); a "%" not followed by two hex digits
 * stays as it is.
 */
function percentDecoded(payload: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const escape of payload.matchAll(/%([0-9A-Fa-f]{2})/g)) {
    parts.push(Buffer.from(payload.slice(from, escape.index), "utf8"), Buffer.of(Number.parseInt(escape[1] ?? "", 16)));
    from = escape.index + 3;
  }
  parts.push(Buffer.from(payload.slice(from), "utf8"));
  return Buffer.concat(parts);
}

/**
 * Each URL loaded (all at once), keyed by URL for a request translation to look up. The first
 * failure fails the whole and cancels the fetches still running.
 */
export async function loadImages(urls: readonly string[], policy: ImagePolicy, signal: AbortSignal): Promise<Map<string, InlineImage>> {
  const failed = new AbortController();
  const either = AbortSignal.any([signal, failed.signal]);
  try {
    return new Map(await Promise.all([...new Set(urls)].map(async (url) => [url, await loadImage(url, policy, either)] as const)));
  } catch (error) {
    failed.abort();
    throw error;
  }
}

/** A data URL decoded, or an http(s) URL fetched under the policy. */
export async function loadImage(url: string, policy: ImagePolicy, signal: AbortSignal): Promise<InlineImage> {
  const inline = parseDataUrl(url);
  if (inline) {
    if ((inline.data.length * 3) / 4 > policy.max_bytes) throw tooLarge(policy.max_bytes);
    return inline;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GatewayInputError(`image_url is not a valid URL`, "messages");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new GatewayInputError(`image_url must be http(s) or a data URL`, "messages");
  }
  return fetchImage(parsed, policy, signal);
}
