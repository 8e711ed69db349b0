// Image content parts for providers that cannot take an image by URL: data URLs are decoded,
// http(s) URLs are fetched with a size and time limit. Private, loopback and link-local
// addresses are refused unless explicitly allowed, so a prompt cannot make the gateway probe
// its own network.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { request } from "undici";
import { GatewayInputError } from "./input-error.ts";

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

/** Each URL loaded (all at once), keyed by URL for a request translation to look up. */
export async function loadImages(urls: readonly string[], policy: ImagePolicy, signal: AbortSignal): Promise<Map<string, InlineImage>> {
  const loaded = await Promise.all(urls.map(async (url) => [url, await loadImage(url, policy, signal)] as const));
  return new Map(loaded);
}

/** A data URL decoded, or an http(s) URL fetched under the policy. */
export async function loadImage(url: string, policy: ImagePolicy, signal: AbortSignal): Promise<InlineImage> {
  const inline = parseDataUrl(url);
  if (inline) {
    if ((inline.data.length * 3) / 4 > policy.max_bytes) {
      throw new GatewayInputError(`image is larger than ${policy.max_bytes} bytes`, "messages");
    }
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
  if (!policy.allow_private_hosts) await assertPublicHost(parsed.hostname);

  const timeout = AbortSignal.timeout(policy.timeout_ms);
  const res = await request(parsed, {
    method: "GET",
    signal: AbortSignal.any([signal, timeout]),
  }).catch((error: unknown) => {
    if (signal.aborted) throw error;
    throw new GatewayInputError(`could not fetch image_url ${parsed.host}: ${describe(error)}`, "messages");
  });
  if (res.statusCode !== 200) {
    res.body.destroy();
    throw new GatewayInputError(`fetching image_url ${parsed.host} returned ${res.statusCode}`, "messages");
  }
  const declared = Number(res.headers["content-length"]);
  if (Number.isFinite(declared) && declared > policy.max_bytes) {
    res.body.destroy();
    throw new GatewayInputError(`image is larger than ${policy.max_bytes} bytes`, "messages");
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > policy.max_bytes) {
      res.body.destroy();
      throw new GatewayInputError(`image is larger than ${policy.max_bytes} bytes`, "messages");
    }
    parts.push(buf);
  }
  const type = res.headers["content-type"];
  const mimeType = (Array.isArray(type) ? type[0] : type)?.split(";")[0]?.trim() || "image/jpeg";
  return { mimeType, data: Buffer.concat(parts).toString("base64") };
}

async function assertPublicHost(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new GatewayInputError(`image_url host ${hostname} does not resolve`, "messages");
  for (const address of addresses) {
    if (isPrivateAddress(address)) {
      throw new GatewayInputError(`image_url host ${hostname} is a private address; refused`, "messages");
    }
  }
}

export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split(".").map(Number);
    return (
      a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224
    );
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith("::ffff:")) return isPrivateAddress(v6.slice(7));
  return v6 === "::" || v6 === "::1" || v6.startsWith("fc") || v6.startsWith("fd") || v6.startsWith("fe8") ||
    v6.startsWith("fe9") || v6.startsWith("fea") || v6.startsWith("feb") || v6.startsWith("ff");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
