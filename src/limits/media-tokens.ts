// Token estimates for non-text content parts, where no tokenizer applies.
//
// Images follow OpenAI's published tile rule for its vision models: "low" detail is a flat 85;
// otherwise the image is fitted into 2048x2048, its short side brought down to 768, and each
// 512-pixel tile costs 170 on top of the 85 base. Dimensions are read from the header of PNG
// data URLs (24 bytes, no decoding of the image); for anything else (http URLs, JPEG, WebP)
// a 1024x1024 image is assumed, i.e. 765 tokens. Other providers count images differently
// but in the same range, which is all a limit needs.
//
// Audio and files have no published per-byte rule; rough, documented figures are used:
// audio at one token per 1,000 bytes of encoded sound, files (PDFs) at one token per 50 bytes
// (text plus a rendered image per page), an uploaded file_id at a flat 1,000.

const LOW_DETAIL_TOKENS = 85;
const TILE_TOKENS = 170;
const ASSUMED_SIDE = 1_024;
const FILE_ID_TOKENS = 1_000;

export function imageTokens(url: string, detail: string | undefined): number {
  if (detail === "low") return LOW_DETAIL_TOKENS;
  const size = pngSize(url) ?? { width: ASSUMED_SIDE, height: ASSUMED_SIDE };
  return tileTokens(size.width, size.height);
}

export function tileTokens(width: number, height: number): number {
  if (width <= 0 || height <= 0) return LOW_DETAIL_TOKENS;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2_048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 768 / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return LOW_DETAIL_TOKENS + TILE_TOKENS * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** Width and height from a base64 PNG data URL's IHDR chunk, without decoding the rest. */
function pngSize(url: string): { width: number; height: number } | undefined {
  const prefix = "data:image/png;base64,";
  if (!url.startsWith(prefix)) return undefined;
  const head = Buffer.from(url.slice(prefix.length, prefix.length + 32), "base64");
  if (head.length < 24 || head.toString("latin1", 12, 16) !== "IHDR") return undefined;
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

export function audioTokens(base64Data: string): number {
  return Math.ceil(base64Bytes(base64Data) / 1_000);
}

export function fileTokens(file: { file_data?: unknown; file_id?: unknown }): number {
  if (typeof file.file_data === "string") {
    const comma = file.file_data.indexOf(",");
    return Math.max(LOW_DETAIL_TOKENS, Math.ceil(base64Bytes(file.file_data.slice(comma + 1)) / 50));
  }
  return FILE_ID_TOKENS;
}

function base64Bytes(data: string): number {
  return Math.floor((data.length * 3) / 4);
}
