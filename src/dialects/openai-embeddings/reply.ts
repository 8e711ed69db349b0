// Writes an embeddings result in OpenAI's shape, in one write: `object: "list"`, one
// `{object: "embedding", index, embedding}` per input in input order, the public model name,
// and usage (an estimate where the upstream reported none).
import type { ServerResponse } from "node:http";
import type { WriteOutcome } from "../../pipeline/front-door.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../providers/types.ts";
import { encodeVector } from "./encode.ts";

export function writeEmbeddings(res: ServerResponse, result: EmbeddingsResult, req: EmbeddingsRequest, headers: Record<string, string>): WriteOutcome {
  const encoding = req.encoding_format === "base64" ? "base64" : "float";
  const usage = result.usage ?? { prompt_tokens: 0, total_tokens: 0 };
  const body = JSON.stringify({
    object: "list",
    data: result.embeddings.map((vector, index) => ({ object: "embedding", index, embedding: encodeVector(vector, encoding) })),
    model: req.model,
    usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens },
  });
  res.writeHead(200, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
  return { usage: result.usage && { prompt_tokens: result.usage.prompt_tokens }, firstByteAt: performance.now(), streamError: undefined, clientGone: false };
}
