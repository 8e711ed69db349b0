// POST /v1/embeddings: requests/s at concurrency 64 (with the arm's CPU per request) and latency
// at concurrency 1, 8 passages per call answered with 1536-wide base64 vectors, against the
// same fake as every other arm.
import { EMBED_PATH, embeddingsBody, headers } from "../harness/requests.ts";
import { measureRequests } from "./load.ts";
import type { Scenario } from "./types.ts";

export const embeddings: Scenario = {
  name: "embeddings",
  about: "POST /v1/embeddings (8 inputs, base64): requests/s at concurrency 64, p50/p99 at concurrency 1",
  appliesTo: () => true,
  run: (ctx) => measureRequests(ctx, { path: EMBED_PATH, body: embeddingsBody(), headers, label: "embeddings" }),
};
