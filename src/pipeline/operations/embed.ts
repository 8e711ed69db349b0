// The embeddings operation: one embed call per target, every answer checked (one vector per
// input, of the asked width) before it can reach a client, and usage estimated where the
// upstream reports none. A target whose provider has no embeddings is skipped like any other
// target that cannot take the request.
import { estimateInputTokens, inputTokenBound } from "../../limits/tokens.ts";
import { checkEmbeddings } from "../../providers/embeddings-check.ts";
import { embeddingInputs } from "../../providers/embeddings-input.ts";
import { GatewayInputError } from "../../providers/input-error.ts";
import type { EmbeddingsRequest, EmbeddingsResult } from "../../providers/types.ts";
import type { Operation } from "../operation.ts";

export const embedOperation: Operation<EmbeddingsRequest, EmbeddingsResult> = {
  kind: "embeddings",
  async call(adapter, req, model, options) {
    if (!adapter.embed) throw new GatewayInputError(`provider '${adapter.id}' has no embeddings API`, "model", "embeddings_unsupported");
    const result = await adapter.embed(req, model, options);
    checkEmbeddings(req, result, adapter.id);
    if (result.usage) return result;
    const estimated = estimateInputTokens(embeddingInputs(req.input), model);
    return { embeddings: result.embeddings, usage: { prompt_tokens: estimated, total_tokens: estimated } };
  },
  upstreamRequest: (req) => req,
  promptTokens: (req, model) => estimateInputTokens(embeddingInputs(req.input), model),
  promptTokenBound: (req, model) => inputTokenBound(embeddingInputs(req.input), model),
  completionBudget: () => 0,
  meter: (result) => result,
};

