// The OpenAI Embeddings front door, `POST /v1/embeddings`: validation into the canonical
// request (OpenAI's own), and the vectors written back in the encoding the client asked for.
import type { FrontDoor } from "../../pipeline/front-door.ts";
import { embedOperation } from "../../pipeline/operations/embed.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../providers/types.ts";
import { redactValue } from "../../telemetry/redact.ts";
import { writeEmbeddings } from "./reply.ts";
import { validateEmbeddingsRequest } from "./validate.ts";

export const openaiEmbeddings: FrontDoor<EmbeddingsRequest, EmbeddingsResult> = {
  api: "embeddings",
  path: "/embeddings",
  operation: embedOperation,
  parse: validateEmbeddingsRequest,
  routed: (req) => ({ req }),
  streams: () => false,
  logBody(req, record) {
    record.input = redactValue(req.input);
  },
  // Vectors are not text: nothing of the answer is logged.
  logOutput: (result) => result,
  write: (res, result, { req, headers }) => Promise.resolve(writeEmbeddings(res, result, req, headers)),
};
