// Writes an embeddings result in OpenAI's shape, in one write: `object: "list"`, one
// `{object: "embedding", index, embedding}` per input in input order, the public model name,
// and usage (an estimate where the upstream reported none).
//
// The body is put together as text rather than through JSON.stringify of the whole answer:
// base64 vectors are most of its bytes, and every vector reaching a door has passed
// checkEmbeddings (base64 of the standard alphabet, which needs no JSON escaping), so they are
// copied in as they are instead of being scanned again for characters to escape.
import type { ServerResponse } from "node:http";
import type { WriteOutcome } from "../../pipeline/front-door.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../providers/types.ts";
import { encodeVector, type Encoding } from "./encode.ts";

export function writeEmbeddings(res: ServerResponse, result: EmbeddingsResult, req: EmbeddingsRequest, headers: Record<string, string>): WriteOutcome {
  const encoding = req.encoding_format === "base64" ? "base64" : "float";
  const usage = result.usage ?? { prompt_tokens: 0, total_tokens: 0 };
  const body = embeddingsJson(result, encoding, req.model, usage);
  res.writeHead(200, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
  return { usage: result.usage && { prompt_tokens: result.usage.prompt_tokens }, firstByteAt: performance.now(), streamError: undefined, clientGone: false };
}

/** The answer's JSON text; the same as JSON.stringify of OpenAI's object, field for field. */
export function embeddingsJson(result: EmbeddingsResult, encoding: Encoding, model: string, usage: { prompt_tokens: number; total_tokens: number }): string {
  let body = '{"object":"list","data":[';
  result.embeddings.forEach((vector, index) => {
    const encoded = encodeVector(vector, encoding);
    const text = typeof encoded === "string" ? `"${encoded}"` : JSON.stringify(encoded);
    body += `${index === 0 ? "" : ","}{"object":"embedding","index":${index},"embedding":${text}}`;
  });
  return `${body}],"model":${JSON.stringify(model)},"usage":${JSON.stringify({ prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens })}}`;
}
