// Writes an embeddings result in OpenAI's shape, in one write: `object: "list"`, one
// `{object: "embedding", index, embedding}` per input in input order, the public model name,
// and usage (an estimate where the upstream reported none).
//
// The body is put together as bytes rather than through JSON.stringify of the whole answer:
// vectors are most of its bytes, and each needs no JSON escaping (base64 that passed
// checkEmbeddings, or JSON numbers), so each is written into the body as it is instead of being
// scanned for characters to escape, joined into one string and encoded again on its way out.
import type { ServerResponse } from "node:http";
import type { WriteOutcome } from "../../pipeline/front-door.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../providers/types.ts";
import { encodeVector, type Encoding } from "./encode.ts";

export function writeEmbeddings(res: ServerResponse, result: EmbeddingsResult, req: EmbeddingsRequest, headers: Record<string, string>): WriteOutcome {
  const encoding = req.encoding_format === "base64" ? "base64" : "float";
  const usage = result.usage ?? { prompt_tokens: 0, total_tokens: 0 };
  const body = embeddingsBody(result, encoding, req.model, usage);
  res.writeHead(200, { ...headers, "content-type": "application/json", "content-length": body.length });
  res.end(body);
  return { usage: result.usage && { prompt_tokens: result.usage.prompt_tokens }, firstByteAt: performance.now(), streamError: undefined, clientGone: false };
}

/** The answer's JSON text; the same as JSON.stringify of OpenAI's object, field for field. */
export function embeddingsJson(result: EmbeddingsResult, encoding: Encoding, model: string, usage: { prompt_tokens: number; total_tokens: number }): string {
  return embeddingsBody(result, encoding, model, usage).toString("utf8");
}

/** embeddingsJson as UTF-8 bytes. */
export function embeddingsBody(result: EmbeddingsResult, encoding: Encoding, model: string, usage: { prompt_tokens: number; total_tokens: number }): Buffer {
  const pieces = ['{"object":"list","data":['];
  result.embeddings.forEach((vector, index) => {
    const encoded = encodeVector(vector, encoding);
    const quote = typeof encoded === "string" ? '"' : "";
    pieces.push(`${index === 0 ? "" : ","}{"object":"embedding","index":${index},"embedding":${quote}`);
    pieces.push(typeof encoded === "string" ? encoded : JSON.stringify(encoded));
    pieces.push(`${quote}}`);
  });
  pieces.push(`],"model":${JSON.stringify(model)},"usage":${JSON.stringify({ prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens })}}`);
  let length = 0;
  for (const piece of pieces) length += Buffer.byteLength(piece);
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  for (const piece of pieces) at += body.write(piece, at);
  return body;
}
